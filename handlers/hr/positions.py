"""HR's pages that set positions up: the list with each one's state and version, the editor (create blank or from a
shipped template, edit, duplicate, YAML import and export, live previews), the lifecycle buttons (open, pause,
close, archive), the history of versions and the difference between two. Recruiters, HR leads and admins: the
people who set positions up; interviewers see the version on a report but none of these pages.

Every save goes through the rules of bot/positions/catalog.py, as a file or the open API does, and makes a new
version with the member as its author. The form carries the version it was loaded from: a save based on an older
one is refused (someone else saved meanwhile) and the page keeps what was typed, with a link to what changed."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import peewee as pw
import yaml
from flask import Blueprint, Response, abort, current_app, g, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from bot.clock import local_time
from bot.org import units as org_units
from bot.org.access import ROOT
from bot.positions import lifecycle, suggestions, templates, versions
from bot.positions.catalog import (
    SLUG,
    PositionChanged,
    PositionFileError,
    digest_of,
    document_of,
    org_of,
    parse_position_doc,
    save_position,
)
from bot.privacy.roles import ADMIN, HR_LEAD, RECRUITER
from bot.store.db import db_session, write_transaction
from bot.store.models import AuditLog, Position
from handlers.hr import position_form as form
from handlers.hr import scope
from handlers.hr.auth import check_csrf, csrf_token, hr_page

bp = Blueprint("hr_positions", __name__)

READERS = frozenset({ADMIN, HR_LEAD, RECRUITER})
SOURCE_LABELS = {"file": "岗位文件", "api": "开放接口", "template": "模板", "migration": "升级时的现有值",
                 "hr": "HR 页面"}
FIELD_LABELS = {"slug": "代码", "title": "名称", "department": "部门", "description": "介绍",
                "think_seconds": "思考时间（秒）", "answer_seconds": "作答时间（秒）", "max_retakes": "重录次数",
                "answer_modes": "作答方式", "face_analysis": "表情分析", "deadline_days": "有效天数",
                "questions": "题目", "rubric": "评分规则、抽题与复试"}
MAX_DOCUMENT = 512 * 1024  # a position with 50 long questions is far below this
MAX_SUGGESTION_BODY = 64 * 1024  # a question and three answers of 2,000 characters, even written as \uXXXX


def _may_edit() -> None:
    """Recruiters, HR leads and admins set positions up; anyone else is refused before anything is looked up."""
    if g.role not in READERS:
        abort(403, description="您的角色无权查看或编辑岗位设置。")


def _position(slug: str) -> Position:
    """The position, for a member allowed to set it up (403 before 404, so a masked role learns nothing; 403 for a
    position outside their units, or one they only interview for). Every route about one position looks it up
    here."""
    _may_edit()
    position = Position.get_or_none(Position.slug == slug[:64])
    if position is None:
        abort(404, description="没有这个岗位。")
    if scope.role_for(position) not in READERS:
        abort(403, description="您只能查看这个岗位的报告，不能修改它的设置。")
    return position


def _listed() -> Any:
    """The positions the member may set up (their units'), for the list."""
    return Position.select().where(g.access.clause()).order_by(Position.title)


def _units() -> tuple[tuple[str, str], ...]:
    """The units the member may put a position in, as (code, name) choices ("" is the company itself)."""
    rows = org_units.tree_rows()
    if g.access.everything:
        allowed = [r["unit"] for r in rows]
        root = True
    else:
        allowed = [r["unit"] for r in rows if g.access.units.get(r["unit"].id) in READERS]
        root = g.access.units.get(ROOT) in READERS
    company = current_app.extensions["settings"].company_name
    return ((("", f"{company}（总部）"),) if root else ()) + tuple(
        (u.code, org_units.path_name(u)) for u in allowed)


def _home_unit(doc: dict[str, Any]) -> dict[str, Any]:
    """A new position's document placed in the member's unit (the first they may use) unless it names one."""
    if not doc.get("unit"):
        choices = _units()
        doc = {**doc, "unit": choices[0][0] if choices else ""}
    return doc


def _org_refusal(doc: Any) -> tuple[str, str] | None:
    """Why the document's unit or team cannot be saved by this member, as (field, message); None when it can."""
    try:
        org = org_of(doc, "岗位")
    except PositionFileError as exc:
        return exc.field, exc.reason
    if org is None:
        return None
    code = org["unit"].code if org["unit"] else ""
    if code not in {c for c, _ in _units()}:
        return "unit", "您不能把岗位放在这个机构：只能选择您负责的机构。"
    return None


def _number(name: str) -> int:
    raw = request.args.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, description="请用版本号（正整数）指定要对比的两个版本，例如 ?a=1&b=2。")
    return int(raw)


@bp.get("/hr/positions")
@hr_page
def index():
    """Every position with its state, current version and what can be done with it; new, from a template, import."""
    _may_edit()
    with db_session():
        rows = [{"position": p, "state": lifecycle.state_of(p), "version": versions.current_number(p) or 0}
                for p in _listed()]
        shipped = templates.list_templates()
    return render_template("hr/position_list.html", rows=rows, templates=shipped, csrf=csrf_token(),
                           labels=lifecycle.STATE_LABELS, moves=lifecycle.MOVES, move_label=lifecycle.move_label,
                           notice=request.args.get("notice", "")[:200])


def _editor(doc: Any, *, original: str = "", base: int = 0, error: dict[str, str] | None = None,
            conflict: dict[str, Any] | None = None, status: int = 200, origin: str = ""):
    """The editor page for a document (kept as sent after a refused save, so nothing typed is lost)."""
    # As JSON sees it: a YAML file's dates and other non-JSON values become text, so the page can carry them.
    doc = json.loads(json.dumps(doc, ensure_ascii=False, default=str)) if isinstance(doc, dict) else {}
    settings = current_app.extensions["settings"]
    state = ""
    if original:
        state = lifecycle.state_of(Position.get(Position.slug == original))
    return render_template(
        "hr/position_edit.html", doc=doc, original=original, base=base, error=error,
        conflict=conflict, sections=form.form_sections(doc, _units()), modes=form.modes(), csrf=csrf_token(),
        origin=origin,
        preview=form.preview(doc, settings.company_name), saved=request.args.get("saved", "")[:9],
        notice=request.args.get("notice", "")[:200], state=state, state_label=lifecycle.STATE_LABELS.get(state, ""),
        moves=lifecycle.MOVES.get(state, ()), move_label=lifecycle.move_label), status


@bp.get("/hr/positions/new")
@hr_page
def new():
    """A new position: blank, from a shipped template (?template=retail-rm-campus) or a copy (?copy=teller)."""
    _may_edit()
    template, copy = request.args.get("template", "")[:64], request.args.get("copy", "")[:64]
    with db_session():
        if copy:
            source = _position(copy)
            doc = {**document_of(source), "slug": _free(source.slug, "slug"),
                   "title": _free(f"{source.title}（副本）", "title")}
            return _editor(_home_unit(doc), origin=f"复制自「{source.title}」")
        if template:
            try:
                doc = templates.load_template(template)
            except templates.TemplateError:
                abort(404, description=f"没有这个岗位模板：{template}。")
            doc = {**doc, "slug": _free(doc["slug"], "slug"), "title": _free(doc["title"], "title")}
            return _editor(_home_unit(doc), origin=f"来自模板「{doc['title']}」")
        return _editor(_home_unit(form.blank_document()))


def _free(wanted: str, field: str) -> str:
    """wanted, or wanted with a number added, whichever no position uses yet (a copy's starting slug and title)."""
    column = getattr(Position, field)
    candidate, n = wanted[:64], 2
    while Position.select().where(column == candidate).exists():
        suffix = f"-{n}" if field == "slug" else f"（{n}）"
        candidate, n = f"{wanted[:64 - len(suffix)]}{suffix}", n + 1
    return candidate


@bp.get("/hr/positions/<slug>/edit")
@hr_page
def edit(slug: str):
    """The editor with the position's current version."""
    with db_session():
        position = _position(slug)
        return _editor(document_of(position), original=position.slug, base=versions.current_number(position) or 0)


def _document_from_form() -> Any:
    raw = request.form.get("document", "")
    if not raw or len(raw) > MAX_DOCUMENT:
        abort(400, description="没有收到岗位内容，请刷新页面后重试。")
    try:
        return json.loads(raw)
    except ValueError:
        abort(400, description="岗位内容无法读取，请刷新页面后重试。")


def _base() -> int:
    raw = request.form.get("base_version", "0").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, description="表单缺少版本号，请刷新页面后重试。")
    return int(raw)


@bp.post("/hr/positions/save")
@hr_page
def save():
    """Save the editor's document as the next version (or create the position as a draft)."""
    _may_edit()
    check_csrf()
    doc, base = _document_from_form(), _base()
    original = request.form.get("original", "")[:64]
    with db_session():
        if original:
            _position(original)
        return _save(doc, base, original)


def _refused(doc: Any, original: str, base: int, field: str, message: str):
    return _editor(doc, original=original, base=base, status=422,
                   error={"field": field, "label": form.label_of(field) if field else "", "message": message})


def _save(doc: Any, base: int, original: str, source: str = "hr"):
    """Check and save a document from the editor or an upload; the editor again with the error at its field, or
    the conflict, when it is refused (nothing saved)."""
    if original and isinstance(doc, dict):
        doc["slug"] = original  # a position keeps its code: links, chat commands and the API use it
    try:
        values = parse_position_doc(doc, "岗位", digest_of(doc))
    except PositionFileError as exc:
        return _refused(doc, original, base, exc.field, form.chinese(exc))
    refused = _org_refusal(doc)
    if refused:
        return _refused(doc, original, base, *refused)
    clash = _clash(values, original)
    if clash:
        return _refused(doc, original, base, *clash)
    try:
        with write_transaction():
            result = save_position(values, author=g.userid, source=source, base_version=base,
                                   org=org_of(doc, "岗位"))
            position = Position.get(Position.slug == values["slug"])
            if result == "created":  # a new position starts as a draft: nobody is invited before HR opens it
                Position.update(status="draft", is_open=False).where(Position.id == position.id).execute()
                AuditLog.create(actor=g.userid, action="position.created", target_type="position",
                                target_id=str(position.id), detail={"slug": position.slug, "via": source})
    except PositionChanged as exc:
        if not original:  # created meanwhile by someone else under the same code
            return _refused(doc, original, base, "slug", f"岗位代码 {values['slug']} 刚被另一位同事使用，请换一个。")
        conflict = {"current": exc.current, "base": exc.base,
                    "diff": f"/hr/positions/{original}/diff?a={exc.base}&b={exc.current}" if exc.base else ""}
        return _editor(doc, original=original, base=base, conflict=conflict, status=409)
    except pw.IntegrityError:  # the code or the title was taken between the check and the save
        clash = _clash(values, original) or ("title", f"已有岗位叫「{values['title']}」，请换一个名称。")
        return _refused(doc, original, base, *clash)
    number = versions.current_number(position) or 0
    return redirect(f"/hr/positions/{position.slug}/edit?saved={number}", 303)


def _clash(values: dict[str, Any], original: str) -> tuple[str, str] | None:
    """A code a new position may not have (malformed, or another position's) or a title another position already
    uses, as (field, message)."""
    if not original and not SLUG.fullmatch(values["slug"]):
        return "slug", "岗位代码只能用小写字母、数字、- 或 _（1–64 个字符），以字母或数字开头。"
    if not original and Position.select().where(Position.slug == values["slug"]).exists():
        return "slug", f"岗位代码 {values['slug']} 已被使用，请换一个。"
    other = Position.get_or_none((Position.title == values["title"]) & (Position.slug != values["slug"]))
    if other is not None:
        return "title", f"已有岗位叫「{other.title}」，请换一个名称。"
    return None


@bp.post("/hr/positions/preview")
@hr_page
def preview():
    """The previews for the document being typed (the editor asks as HR types)."""
    _may_edit()
    check_csrf()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or len(request.get_data()) > MAX_DOCUMENT:
        abort(400, description="预览需要岗位内容。")
    index = data.get("question") if type(data.get("question")) is int else 0
    settings = current_app.extensions["settings"]
    return render_template("hr/position_preview.html",
                           preview=form.preview(data.get("document"), settings.company_name, index))


def _suggestion_request() -> tuple[str, list[str], str]:
    """The question, model answers and position (slug, "" for one not saved yet) a suggestion is asked for; a 400
    with what is wrong, in HR's words, for anything else."""
    data = request.get_json(silent=True) if len(request.get_data()) <= MAX_SUGGESTION_BODY else None
    if not isinstance(data, dict):
        abort(400, description="请求内容须是 JSON：题目（question）和参考答案（model_answers），不超过 64 KB。")
    question, answers, slug = data.get("question"), data.get("model_answers", []), data.get("position") or ""
    if not isinstance(question, str) or not question.strip():
        abort(400, description="请先填写题目，再生成建议评分要点。")
    if len(question) > suggestions.TEXT_MAX:
        abort(400, description=f"题目最多 {suggestions.TEXT_MAX} 个字。")
    if answers is None:
        answers = []
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        abort(400, description="参考答案须是文字列表（model_answers）。")
    if len(answers) > suggestions.ANSWERS_MAX or any(len(a) > suggestions.TEXT_MAX for a in answers):
        abort(400, description=f"参考答案最多 3 条，每条最多 {suggestions.TEXT_MAX} 个字。")
    if not isinstance(slug, str):
        abort(400, description="岗位代码（position）须是文字。")
    return question, answers, slug


@bp.post("/hr/positions/rubric-suggestion")
@hr_page
def rubric_suggestion():
    """A suggested rubric for the question being typed (scoring/suggest.py): drafted from its model answers, or
    generic without them. The editor fills the question's rubric rows with it for HR to edit; nothing is saved
    here. Asked as a save is: the editing roles, the session's token, and the position's units when it exists.
    Answered in JSON, errors too, since the editor's script reads it."""
    try:
        _may_edit()
        check_csrf()
        question, answers, slug = _suggestion_request()
        if slug:
            with db_session():
                _position(slug)
    except HTTPException as exc:
        return jsonify(error=exc.description), exc.code
    return jsonify(suggestions.draft(question, answers))


@bp.get("/hr/positions/<slug>/position.yaml")
@hr_page
def export_yaml(slug: str):
    """The position's current version as a YAML file (the shape of config/positions/*.yaml)."""
    with db_session():
        position = _position(slug)
        doc = document_of(position)
        AuditLog.create(actor=g.userid, action="position.export", target_type="position", target_id=str(position.id),
                        detail={"slug": position.slug})
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    return Response(text, mimetype="application/yaml; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename={position.slug}.yaml", "Cache-Control": "private, no-store"})


@bp.post("/hr/positions/import")
@hr_page
def import_yaml():
    """A YAML file uploaded: a new position (from the list) or the edited one's next version (from its editor)."""
    _may_edit()
    check_csrf()
    upload = request.files.get("file")
    raw = upload.read(MAX_DOCUMENT + 1) if upload else b""
    original, base = request.form.get("original", "")[:64], _base()
    if not raw or len(raw) > MAX_DOCUMENT:
        abort(400, description="请选择一个不超过 512 KB 的 YAML 文件。")
    with db_session():
        if original:
            _position(original)
        try:
            doc = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            return _refused({}, original, base, "", form.chinese(PositionFileError("", "", f"not valid YAML ({exc})")))
        if not isinstance(doc, dict):
            return _refused({}, original, base, "", form.chinese(PositionFileError("", "", "the top level must be "
                                                                                   "a mapping")))
        if original and doc.get("slug") != original:
            return _refused(doc, original, base, "slug", f"文件里的岗位代码是 {str(doc.get('slug'))[:64]}，"
                            f"不是正在编辑的 {original}；要新建岗位请在岗位列表导入。")
        return _save(doc, base, original)


@bp.post("/hr/positions/<slug>/state")
@hr_page
def change_state(slug: str):
    """Open, pause, close, archive (or restore) the position; audited, not a new version."""
    check_csrf()
    to = request.form.get("to", "")[:16]
    with db_session():
        position = _position(slug)
        try:
            was = lifecycle.move(position, to, g.userid)
        except lifecycle.StateError as exc:
            abort(409, description=str(exc))
    notice = f"「{position.title}」已从“{lifecycle.STATE_LABELS[was]}”改为“{lifecycle.STATE_LABELS[to]}”。"
    target = f"/hr/positions/{position.slug}/edit" if request.form.get("back") == "edit" else "/hr/positions"
    return redirect(f"{target}?{urlencode({'notice': notice})}", 303)


@bp.get("/hr/positions/<slug>/history")
@hr_page
def history(slug: str):
    """Every version of the position, newest first, with a form to compare two."""
    with db_session():
        position = _position(slug)
        rows = [{"number": v.number, "at": local_time(v.created_at), "author": v.author,
                 "source": SOURCE_LABELS.get(v.source, v.source)} for v in versions.history(position)]
    return render_template("hr/position_history.html", position=position, rows=rows)


@bp.get("/hr/positions/<slug>/diff")
@hr_page
def diff(slug: str):
    """What changed from version a to version b, field by field."""
    with db_session():
        position = _position(slug)
        a, b = _number("a"), _number("b")
        old, new = versions.version(position, a), versions.version(position, b)
        missing = [str(n) for n, v in ((a, old), (b, new)) if v is None]
        if missing:
            abort(404, description=f"这个岗位没有版本 {'、'.join(missing)}。")
        changes = [{**c, "label": FIELD_LABELS.get(c["field"], c["field"])} for c in versions.diff(old, new)]
        sides = {"old": {"number": old.number, "at": local_time(old.created_at), "author": old.author},
                 "new": {"number": new.number, "at": local_time(new.created_at), "author": new.author}}
    return render_template("hr/position_diff.html", position=position, changes=changes, **sides)
