"""Every candidate with a résumé is in the talent pool, interviewed or not: one added through the open API with a
résumé file, never invited, is found by a skill on their résumé, marked by where they came from, on HR's pool page
too; withdrawing takes them out. Real HTTP to the app, real database, store and index."""
from __future__ import annotations

from bot.store.models import Candidate, PoolProfile
from bot.talent import pool
from tests.bot.resumes.generate import Spec, to_docx
from tests.handlers.test_api import api  # noqa: F401  (the fixture: HTTP to the app with a full and a masked token)
from tests.support.hr import login

SKILL = "Tableau"


def added_with_resume(api) -> int:  # noqa: F811
    spec = Spec("zh", "王晓燕", "13700001111", "137-0000-1111", "wxy2022@qq.com",
                education=[{"school": "厦门大学", "degree": "硕士", "degree_text": "硕士研究生", "major": "统计学",
                            "start": (2020, 9), "end": (2023, 6)}],
                work=[{"kind": "work", "employer": "兴业银行", "title": "数据分析师", "start": (2023, 7),
                       "end": None, "duties": ["建设零售客户流失预警模型。"]}],
                skills=[SKILL, "SQL"], certificates=["CFA"])
    cid = api("POST", "/candidates", api.full, json={"name": spec.name, "phone": spec.phone}).json()["id"]
    kept = api("POST", f"/candidates/{cid}/resumes", api.full,
               files={"file": ("王晓燕.docx", to_docx(spec, "tables"), "application/octet-stream")})
    assert kept.status_code == 201, kept.text
    return cid


def test_an_uninterviewed_candidate_is_found_by_a_skill_on_their_resume(api):  # noqa: F811
    cid = added_with_resume(api)
    assert PoolProfile.get(PoolProfile.candidate == cid).best_total == 0.0  # no report, in the pool all the same
    assert Candidate.get_by_id(cid).retain_until is not None  # kept for the pool's retention period
    [hit] = pool.search(SKILL)
    assert hit["candidate"]["id"] == cid and hit["report_id"] is None
    assert hit["sources"] == ["开放接口", "简历文件·开放接口"]
    assert [h["candidate"]["id"] for h in pool.search("兴业银行 数据分析师")] == [cid]  # the parsed entries too

    page = login(api.stack, "hr_li", "/hr/pool").get(f"{api.stack.base}/hr/pool", params={"q": SKILL}, timeout=30)
    assert page.status_code == 200
    assert "王晓燕" in page.text and "尚未面试" in page.text and "来源：开放接口、简历文件·开放接口" in page.text

    pool.withdraw(cid, "hr_li")
    assert pool.search(SKILL) == []


def test_a_resume_text_through_the_api_enters_the_pool_too(api):  # noqa: F811
    answer = api("POST", "/candidates", api.full, json={"name": "赵敏", "phone": "13600002222",
                                                        "resume": "熟悉 PowerBI 报表开发，三年商业银行运营经验"})
    assert answer.status_code == 201
    assert [h["candidate"]["id"] for h in pool.search("PowerBI")] == [answer.json()["id"]]
