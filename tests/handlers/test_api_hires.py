"""The open API's hire resource and the hire webhooks, end to end: an HR system of record subscribes, HR decides 录用,
the system reads the offer, records the answer and the hire with If-Match (a stale version, an illegal change and a
hire date before the interview refused, each with its code and path), and a real receiver on loopback gets one
signed event per change — candidate.hired with the weakest dimensions, the position's training suggestions and the
notes marked shareable, never the others."""
from __future__ import annotations

import pytest

from tests.bot.decisions.test_after_the_round import COMPETENCIES, passed_candidate
from tests.handlers.test_api import _receivers_allowed, api  # noqa: F401  (fixtures)

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TRAINING = {"逻辑思维": ["结构化思维训练营", "导师：王经理"], "亲和力": ["客户服务礼仪"], "沟通能力": ["高效沟通"]}


def test_the_hr_system_follows_the_offer_to_the_hire_and_hears_each_change(api):  # noqa: F811
    from bot.decisions import final, scorecards
    from bot.privacy import erasure
    from bot.store.models import Position, WebhookDelivery

    position = Position.get()
    Position.update(rubric={**position.rubric, "training": TRAINING}).where(Position.id == position.id).execute()
    receiver = api.receiver()
    hook = api("POST", "/webhooks", api.full, json={"url": receiver.url, "events": [
        "offer.made", "offer.accepted", "offer.withdrawn", "candidate.hired"]})
    assert hook.status_code == 201, hook.text
    invitation, _ = passed_candidate()
    ratings = {n: "4" for n in COMPETENCIES}
    scorecards.save(api.stack.settings, invitation.id, "hr_wang", {"ratings": ratings, "lean": "hire",
                                                                   "notes": "逻辑稍弱，建议带教", "shareable": True})
    scorecards.save(api.stack.settings, invitation.id, "hr_li", {"ratings": ratings, "lean": "hire",
                                                                 "notes": "薪资预期偏高", "shareable": False})
    assert final.decide(invitation.id, "hire", "hr_li", "k")[0] == "decided"

    [offer] = api("GET", "/hires?status=offered", api.full).json()["items"]
    assert (offer["status"], offer["version"], offer["candidate"]["name"]) == ("offered", 1, "王小明")
    url = f"/hires/{offer['id']}"
    assert api("GET", url, api.full).headers["ETag"] == '"1"'
    accepted = api("PATCH", url, api.full, json={"status": "accepted"}, headers={"If-Match": '"1"'})
    assert accepted.status_code == 200 and accepted.json()["result"] == "changed" and accepted.json()["version"] == 2
    stale = api("PATCH", url, api.full, json={"status": "withdrawn"}, headers={"If-Match": "1"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    assert stale.json()["error"]["current_version"] == 2
    illegal = api("PATCH", url, api.full, json={"status": "declined"}, headers={"If-Match": "2"})
    assert illegal.status_code == 409 and illegal.json()["error"]["code"] == "illegal_transition"
    early = api("PATCH", url, api.full, headers={"If-Match": "2"},
                json={"status": "hired", "hired_on": "2026-11-19", "employee_id": "E1234"})
    assert early.status_code == 422 and early.json()["error"]["path"] == "/hired_on"
    assert "早于候选人的面试日期 2026-11-20" in early.json()["error"]["message"]
    assert api("PATCH", url, api.masked, json={"status": "withdrawn"}).status_code == 403
    hired = api("PATCH", url, api.full, headers={"If-Match": "2"},
                json={"status": "hired", "hired_on": "2027-01-04", "employee_id": "E1234"})
    assert hired.status_code == 200 and hired.json()["employee_id"] == "E1234", hired.text
    seen = api("GET", url, api.masked).json()
    assert seen["employee_id"] is None and seen["candidate"]["name"] == "王**"
    api.stack.drain()

    events = receiver.events(hook.json()["secret"])
    assert [e["event"] for e in events] == ["offer.made", "offer.accepted", "candidate.hired"]
    data = events[-1]["data"]
    assert (data["status"], data["hired_on"], data["employee_id"]) == ("hired", "2027-01-04", "E1234")
    assert data["candidate"]["name"] == "王小明" and data["invitation_id"] == invitation.id
    onboarding = data["onboarding"]
    assert onboarding["weakest"] == ["逻辑思维", "亲和力"]
    assert onboarding["training"] == {"逻辑思维": ["结构化思维训练营", "导师：王经理"], "亲和力": ["客户服务礼仪"]}
    assert onboarding["second_round"]["notes"] == [{"interviewer": "hr_wang", "notes": "逻辑稍弱，建议带教"}]
    assert "薪资预期偏高" not in str(events)
    assert {d["name"]: d["score"] for d in onboarding["dimensions"]}["逻辑思维"] == 62

    erasure.erase(invitation.candidate_id, "hr", "admin", "erase:1")  # the stored payloads forget them too
    kept = WebhookDelivery.get(WebhookDelivery.event == "candidate.hired").payload
    assert kept["employee_id"] is None and kept["onboarding"] == {"erased": True} and "带教" not in str(kept)
    assert api("GET", url, api.full).json()["employee_id"] is None
