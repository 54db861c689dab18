"""HR's pages about a position's versions: the history (which number, when, by whom, from where) and the
field-by-field difference between two versions. Recruiters, HR leads and admins: the people who set positions up;
interviewers see the version on a report but not the history."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from bot.clock import local_time
from bot.positions import versions
from bot.privacy.roles import ADMIN, HR_LEAD, RECRUITER
from bot.store.db import db_session
from bot.store.models import Position
from handlers.hr.auth import hr_page

bp = Blueprint("hr_positions", __name__)

READERS = frozenset({ADMIN, HR_LEAD, RECRUITER})
SOURCE_LABELS = {"file": "岗位文件", "api": "开放接口", "template": "模板", "migration": "升级时的现有值"}
FIELD_LABELS = {"slug": "代码", "title": "名称", "department": "部门", "description": "介绍",
                "think_seconds": "思考时间（秒）", "answer_seconds": "作答时间（秒）", "max_retakes": "重录次数",
                "answer_modes": "作答方式", "face_analysis": "表情分析", "deadline_days": "有效天数",
                "questions": "题目", "rubric": "评分规则、抽题与复试"}


def _position(slug: str) -> Position:
    """The position, for a member allowed to read its history (403 before 404, so a masked role learns nothing)."""
    if g.role not in READERS:
        abort(403, description="您的角色无权查看岗位的版本记录。")
    position = Position.get_or_none(Position.slug == slug[:64])
    if position is None:
        abort(404, description="没有这个岗位。")
    return position


def _number(name: str) -> int:
    raw = request.args.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        abort(400, description="请用版本号（正整数）指定要对比的两个版本，例如 ?a=1&b=2。")
    return int(raw)


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
