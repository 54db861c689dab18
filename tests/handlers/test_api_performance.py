"""The open API's performance import: an HR system posts rows of ratings; the good rows are saved, each bad one
comes back with its index and message; a request with only bad rows is 422 rows_refused; update overwrites a period;
a masked token may not write; another unit's hire reads as unknown."""
from __future__ import annotations

import pytest

from tests.bot.decisions.test_performance import TRUE, make_hire
from tests.handlers.test_api import _receivers_allowed, api  # noqa: F401  (fixtures)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_rows_saved_bad_rows_listed_update_and_scope(api):  # noqa: F811
    from bot.integrations.tokens import create_token
    from bot.store.models import AuditLog, OrgUnit, PerformanceRecord, Position

    position = Position.get()
    dims = dict.fromkeys(TRUE, 70.0)
    make_hire(position, 1, dims, phone="13800000001")
    make_hire(position, 2, dims, status="accepted")
    rows = [{"employee_id": "E0001", "period": "2026H1", "rating": "良好", "kpis": {"存款": 1200, "备注": "新人"}},
            {"phone": "138 0000 0001", "period": "2026H2", "score": 88.5},
            {"employee_id": "E0002", "period": "2026H1", "rating": "A"},
            {"employee_id": "E0001", "period": "2026H1", "rating": 3},
            {"employee_id": "E0001", "period": "2027H1", "rating": "很好"}]
    sent = api("POST", "/performance", api.full, json={"rows": rows})
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert (answer["created"], answer["updated"], answer["refused"]) == (2, 0, 3)
    assert [(p["index"], p["path"]) for p in answer["problems"]] == [(2, "/rows/2"), (3, "/rows/3"), (4, "/rows/4")]
    assert "尚未入职" in answer["problems"][0]["message"] and "重复" in answer["problems"][1]["message"]
    assert "不是数字" in answer["problems"][2]["message"]
    assert PerformanceRecord.get(PerformanceRecord.period == "2026H1").kpis == {"存款": 1200, "备注": "新人"}
    assert AuditLog.get(AuditLog.action == "performance.import").actor == "api:hr_li"

    again = api("POST", "/performance", api.full, json={"rows": rows[:1]})
    assert again.status_code == 422 and again.json()["error"]["code"] == "rows_refused"
    assert "已导入过" in again.json()["error"]["details"][0]["message"]
    updated = api("POST", "/performance", api.full, json={"rows": [{**rows[0], "rating": "优秀"}], "update": True})
    assert updated.json()["updated"] == 1 and PerformanceRecord.get(PerformanceRecord.period == "2026H1").score == 4
    assert api("POST", "/performance", api.masked, json={"rows": rows}).status_code == 403
    assert api("POST", "/performance", api.full, json={"rows": []}).status_code == 422

    from bot.privacy import erasure
    from bot.store.models import Hire

    erasure.erase(Hire.get(Hire.employee_index.matches("E0001")).invitation.candidate_id, "hr", "hr_li", "e1")
    assert [(r.score, r.kpis) for r in PerformanceRecord.select().where(PerformanceRecord.period == "2026H1")] \
        == [(4.0, {})]  # the KPIs go with the person's data; the rating stays, as the report's scores do

    OrgUnit.create(code="sh", name="上海分行")
    elsewhere = create_token("sh_system", "full", unit="sh")[1]
    hidden = api("POST", "/performance", elsewhere, json={"rows": [{"phone": "13800000001", "period": "2028H1",
                                                                     "rating": "A"}]})
    assert hidden.status_code == 422 and "找不到" in hidden.json()["error"]["details"][0]["message"]
