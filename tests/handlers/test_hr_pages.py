"""HR pages over HTTP: sign-in through the sandbox's WeCom OAuth, the report page by role, notes, tags,
decisions, recordings, compare, the dashboard, the talent pool and its new-position card."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.support.chat import cards, invite_member, results, texts
from tests.support.h5 import reported, take_interview
from tests.support.hr import csrf, login

pytestmark = pytest.mark.sqlite_only  # pages by role (other modules cover PostgreSQL)


@pytest.fixture
def report_id(stack) -> int:
    from bot.store.models import Report

    reported(stack)
    return Report.get().id


def test_signing_in_goes_through_wecom_oauth_and_comes_back(stack, report_id):
    session = requests.Session()
    first = session.get(f"{stack.base}/hr/reports/{report_id}", allow_redirects=False, timeout=30)
    target = urlparse(first.headers["Location"])
    query = parse_qs(target.query)
    assert target.path == "/connect/oauth2/authorize" and target.fragment == "wechat_redirect"
    assert query["scope"] == ["snsapi_base"] and query["appid"] == [stack.settings.wecom_corp_id]
    assert query["redirect_uri"] == [f"{stack.base}/hr/oauth"] and query["agentid"] == ["1000002"]
    picker = session.get(first.headers["Location"].split("#")[0], timeout=30)
    assert "hr_li" in picker.text and "mgr_zhao" in picker.text
    back = session.get(first.headers["Location"].split("#")[0] + "&sandbox_user=hr_li", allow_redirects=False)
    code_url = back.headers["Location"]
    page = session.get(code_url, timeout=30)
    assert page.status_code == 200 and "zhangsan" in page.text and "进入复试" in page.text
    assert "hr_session" in session.cookies and page.url.endswith(f"/hr/reports/{report_id}")
    # the code was single use; a forged state is refused; a stranger gets nothing
    again = requests.get(code_url, timeout=30)
    assert again.status_code == 400 and "授权码无效" in again.text
    forged = requests.get(code_url.replace("state=", "state=x"), timeout=30)
    assert forged.status_code == 400
    stranger = login(stack, "lisi", f"/hr/reports/{report_id}")
    refused = stranger.get(f"{stack.base}/hr/reports/{report_id}", allow_redirects=False, timeout=30)
    assert refused.status_code == 302 and "zhangsan" not in refused.text


def test_open_redirects_are_refused(stack):
    session = login(stack, "hr_li", "/hr/")
    for target in ("https://evil.example/", "//evil.example/hr/", "/hr/\\evil"):
        first = requests.get(f"{stack.base}/hr/login", params={"next": target}, allow_redirects=False, timeout=30)
        oauth = first.headers["Location"].split("#")[0]
        back = session.get(f"{oauth}&sandbox_user=hr_li", allow_redirects=False, timeout=30)
        landed = session.get(back.headers["Location"], allow_redirects=False, timeout=30)
        assert landed.headers["Location"] == "/hr/", target


def test_the_report_page_shows_scores_evidence_transcripts_and_tags(stack, report_id):
    from bot.store.models import AuditLog, Report

    doc = Report.get_by_id(report_id).document
    page = login(stack, "hr_li").get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert f'data-testid="total">{doc["total"]:.0f}<' in page and "<svg" in page and "各维度得分" in page
    for dim in doc["dimensions"]:
        assert dim["name"] in page
        for line in dim["evidence"][:1]:
            assert line.replace('"', "&#34;").replace("'", "&#39;") in page or line in page
    assert page.count('class="panel answer"') == len(doc["answers"])
    assert "<mark" in page  # rubric hits marked in the transcripts
    hit = next(p for a in doc["answers"] for p in (a.get("rubric") or {}).get("points", []) if p["hit"])
    assert f"✓ {hit['point']}" in page
    assert "综合优秀" in page or "沟通能力强" in page or "AI推荐" in page  # rule tags from config/talent.yaml
    assert AuditLog.select().where(AuditLog.action == "view_report", AuditLog.actor == "hr_li").count() == 1


def test_a_viewer_sees_the_report_with_personal_data_masked_and_cannot_act(stack, report_id):
    from bot.store.models import Candidate, Decision, Note

    Candidate.update(name="张三丰", phone="13812345678", email="zhangsan@example.com").execute()
    viewer = login(stack, "mgr_zhao")
    page = viewer.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert "张**" in page and "138****5678" in page and "z***@example.com" in page
    for secret in ("张三丰", "13812345678", "zhangsan@example.com", "zhangsan"):
        assert secret not in page
    assert "个人信息已隐去" in page and 'value="pass"' not in page
    token = csrf(page)
    assert viewer.post(f"{stack.base}/hr/reports/{report_id}/decision", data={"csrf": token, "outcome": "pass"},
                       timeout=30).status_code == 403
    assert viewer.post(f"{stack.base}/hr/reports/{report_id}/tags", data={"csrf": token, "tag": "x"},
                       timeout=30).status_code == 403
    assert Decision.select().count() == 0
    assert viewer.post(f"{stack.base}/hr/reports/{report_id}/notes", data={"csrf": token, "text": "表达清楚"},
                       timeout=30).status_code == 200
    assert Note.get().author == "mgr_zhao"
    recruiter = login(stack, "hr_li").get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    assert "张三丰" in recruiter and "13812345678" in recruiter and "表达清楚" in recruiter


def test_deciding_on_the_page_is_the_same_single_decision_as_the_card(stack, report_id):
    from bot.store.models import AuditLog, Decision

    session = login(stack, "hr_li")
    page = session.get(f"{stack.base}/hr/reports/{report_id}", timeout=30).text
    missing = session.post(f"{stack.base}/hr/reports/{report_id}/decision", data={"outcome": "pass"}, timeout=30)
    assert missing.status_code == 400 and "表单已过期" in missing.text
    odd = session.post(f"{stack.base}/hr/reports/{report_id}/decision", data={"csrf": csrf(page), "outcome": "x"})
    assert odd.status_code == 400 and Decision.select().count() == 0
    done = session.post(f"{stack.base}/hr/reports/{report_id}/decision",
                        data={"csrf": csrf(page), "outcome": "pass"}, timeout=30)
    assert done.status_code == 200 and "已记录决定" in done.text
    assert 'data-testid="decision">进入复试 · hr_li' in done.text
    again = session.post(f"{stack.base}/hr/reports/{report_id}/decision",
                         data={"csrf": csrf(page), "outcome": "reject"}, timeout=30)
    assert "已有决定" in again.text
    stack.drain()
    assert len(results(stack)) == 1 and "复试" in results(stack)[0]
    assert any("hr_li 在报告页对 zhangsan" in t for t in texts(stack, "hr_wang"))
    # a tap on the card afterwards decides nothing new
    from tests.support.chat import click

    click(stack, "hr_wang", cards(stack, "hr_wang")[0], "reject")
    stack.drain()
    assert Decision.get().outcome == "pass" and len(results(stack)) == 1
    assert AuditLog.select().where(AuditLog.action.startswith("decide:")).count() == 1


def test_notes_and_tags_are_checked_escaped_and_audited(stack, report_id):
    from bot.store.models import AuditLog, CandidateTag

    session = login(stack, "hr_li")
    url = f"{stack.base}/hr/reports/{report_id}"
    token = csrf(session.get(url, timeout=30).text)
    assert session.post(f"{url}/notes", data={"csrf": token, "text": "  "}, timeout=30).status_code == 400
    assert session.post(f"{url}/notes", data={"csrf": token, "text": "x" * 2001}, timeout=30).status_code == 400
    page = session.post(f"{url}/notes", data={"csrf": token, "text": "<script>alert(1)</script>"}, timeout=30).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    page = session.post(f"{url}/tags", data={"csrf": token, "tag": "柜面经验"}, timeout=30).text
    assert "柜面经验" in page
    assert session.post(f"{url}/tags", data={"csrf": token, "tag": "<b>"}, timeout=30).status_code == 400
    assert session.post(f"{url}/tags", data={"csrf": token, "tag": "x" * 33}, timeout=30).status_code == 400
    before = CandidateTag.select().count()
    session.post(f"{url}/tags", data={"csrf": token, "remove": "柜面经验"}, timeout=30)
    assert CandidateTag.select().count() == before - 1
    assert {a.action for a in AuditLog.select()} >= {"add_note", "tag_add", "tag_remove"}


def test_recordings_stream_to_recruiters_in_ranges_and_not_to_viewers(stack):
    from bot.store.models import Recording, Report
    from tests.conftest import as_uploaded
    from tests.support.h5 import answer, finish, started_interview, upload

    clip = stack.settings.data_dir.parent / "complaint_excellent.webm"
    as_uploaded("complaint_excellent.ogg", clip.parent)
    client, base = started_interview(stack)
    for q in client.get(f"{base}/state").json["questions"]:
        if q["key"] == "complaint":
            upload_id, chunks = upload(client, base, "complaint", clip.read_bytes(), mode="audio",
                                       mime="audio/webm;codecs=opus")
            assert finish(client, base, upload_id, chunks).status_code == 200
        else:
            answer(client, base, q["key"], "我会先倾听客户的诉求，再解释原因。")
    stack.drain()
    report, recording = Report.get(), Recording.get()
    session = login(stack, "hr_li")
    page = session.get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    assert f'src="/hr/recordings/{recording.id}"' in page and 'data-seek="' in page
    partial = session.get(f"{stack.base}/hr/recordings/{recording.id}", headers={"Range": "bytes=0-99"}, timeout=30)
    assert partial.status_code == 206 and len(partial.content) == 100
    assert partial.headers["Content-Type"].startswith("audio/webm")
    viewer = login(stack, "mgr_zhao")
    assert viewer.get(f"{stack.base}/hr/recordings/{recording.id}", timeout=30).status_code == 403
    assert "/hr/recordings/" not in viewer.get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    assert session.get(f"{stack.base}/hr/recordings/999999", timeout=30).status_code == 404


def test_compare_and_dashboard(stack):
    from bot.store.models import Report

    for who in ("zhangsan", "lisi"):
        take_interview(stack, invite_member(stack, who), "excellent" if who == "zhangsan" else "weak")
    stack.drain()
    ids = [r.id for r in Report.select().order_by(Report.total.desc())]
    session = login(stack, "hr_li")
    page = session.get(f"{stack.base}/hr/compare", params={"r": f"{ids[1]},{ids[0]},999"}, timeout=30).text
    assert page.index("zhangsan") < page.index("lisi") and "没有这些报告：999" in page and "<svg" in page
    assert session.get(f"{stack.base}/hr/compare", params={"r": "1,x"}, timeout=30).status_code == 400
    assert session.get(f"{stack.base}/hr/compare", params={"r": "1,2,3,4,5,6"}, timeout=30).status_code == 400
    board = session.get(f"{stack.base}/hr/positions/teller", timeout=30).text
    assert "招聘漏斗" in board and "总分分布" in board and 'data-testid="top"' in board
    assert re.search(r"已邀请.*2", board, flags=re.S)
    assert session.get(f"{stack.base}/hr/positions/nope", timeout=30).status_code == 404
    home = session.get(f"{stack.base}/hr/", timeout=30).text
    assert "柜员" in home and "zhangsan" in home


def test_the_pool_finds_by_text_and_tags_and_never_shows_withdrawn_or_expired(stack):
    from bot.store.models import Candidate

    for who in ("zhangsan", "lisi"):
        take_interview(stack, invite_member(stack, who), "excellent" if who == "zhangsan" else "weak")
    stack.drain()
    session = login(stack, "hr_li")
    found = session.get(f"{stack.base}/hr/pool", params={"q": "客户 投诉 倾听"}, timeout=30).text
    assert 'data-testid="results"' in found and "zhangsan" in found
    assert found.index("zhangsan") < found.index("lisi") if "lisi" in found else True
    from bot.talent import pool as talent

    talent.add_tag(Candidate.get(Candidate.wecom_userid == "zhangsan").id, "高潜", "hr_li")
    tagged = session.get(f"{stack.base}/hr/pool", params={"tag": "高潜"}, timeout=30).text
    assert "zhangsan" in tagged and "lisi" not in tagged
    both = session.get(f"{stack.base}/hr/pool", params={"tag": "高潜", "q": "客户"}, timeout=30).text
    assert "zhangsan" in both and "lisi" not in both
    Candidate.update(withdrawn_at=dt.datetime(2026, 1, 1)).where(Candidate.wecom_userid == "zhangsan").execute()
    assert "zhangsan" not in session.get(f"{stack.base}/hr/pool", params={"q": "客户 投诉 倾听"}, timeout=30).text
    Candidate.update(withdrawn_at=None, retain_until=dt.datetime(2020, 1, 1)).execute()
    gone = session.get(f"{stack.base}/hr/pool", params={"q": "客户 投诉 倾听"}, timeout=30).text
    assert "zhangsan" not in gone and "lisi" not in gone
    viewer = login(stack, "mgr_zhao")
    Candidate.update(retain_until=None).execute()
    masked = viewer.get(f"{stack.base}/hr/pool", params={"q": "客户 投诉 倾听"}, timeout=30).text
    assert "zhangsan" not in masked and "z*" in masked


def test_a_new_position_brings_hr_the_pools_best_matches_once(stack):
    from bot.store.models import Position
    from bot.talent import pool as talent

    take_interview(stack, invite_member(stack, "zhangsan"), "excellent")
    stack.drain()
    assert talent.match_new_positions() == 0  # 柜员 is not new to anyone: zhangsan was invited to it
    teller = Position.get()
    Position.create(slug="lobby", title="大堂经理", description="引导客户、处理投诉、倾听客户诉求并跟进",
                    questions=teller.questions, rubric=teller.rubric)
    assert talent.match_new_positions() == 1 and talent.match_new_positions() == 0
    stack.drain()
    [card] = [m["card"] for m in stack.inbox("hr_li") if "人才库" in str(m)]
    assert card["main_title"]["title"].startswith("新岗位「大堂经理」")
    assert "/hr/pool?position=lobby" in card["card_action"]["url"]
    assert "zhangsan" not in str(card) and "z****" in str(card)  # masked in chat
    assert any("人才库" in str(m) for m in stack.inbox("hr_wang"))


def test_old_signed_report_links_lead_to_the_signed_in_page(stack, report_id):
    from itsdangerous import URLSafeTimedSerializer  # how cards signed report links before sign-in

    token = URLSafeTimedSerializer(stack.settings.secret_key, salt="report-link-v1").dumps({"r": report_id})
    old = requests.get(f"{stack.base}/r/{token}", allow_redirects=False, timeout=30)
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/hr/reports/{report_id}")
    assert requests.get(f"{stack.base}/r/forged", timeout=30).status_code == 404


def test_a_candidate_who_leaves_the_pool_disappears_from_it_for_good(stack):
    from bot.store.models import AuditLog, Candidate, CandidateTag, PoolProfile
    from tests.support.chat import reject

    card = reported(stack, quality="weak")
    reject(stack, "hr_li", card)
    stack.drain()
    [letter] = results(stack)
    assert "人才库中 365 天" in letter and "退出人才库" in letter
    session = login(stack, "hr_li")
    assert "zhangsan" in session.get(f"{stack.base}/hr/pool", params={"q": "客户"}, timeout=30).text
    stack.say("zhangsan", "请把我退出人才库")
    stack.drain()
    assert Candidate.get().withdrawn_at is None  # stated first, done on confirmation
    stack.say("zhangsan", "确认")
    stack.drain()
    assert any("已将您移出" in t for t in texts(stack, "zhangsan"))
    assert Candidate.get().withdrawn_at is not None and not PoolProfile.select().exists()
    assert not CandidateTag.select().exists() and AuditLog.get(AuditLog.action == "pool_withdraw")
    assert "zhangsan" not in session.get(f"{stack.base}/hr/pool", params={"q": "客户"}, timeout=30).text
