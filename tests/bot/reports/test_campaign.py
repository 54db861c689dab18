"""The campaign list's pieces: where an invitation stands, and the education a row and an export carry from the
candidate's latest résumé (parsed by bot/resumes, HR's corrections included)."""
from __future__ import annotations

import datetime as dt

from bot.reports import campaign, export
from bot.resumes.parse import parse
from bot.store.models import Candidate, Invitation, Position, Resume

RESUME = """林晓北
手机：13812345678  邮箱：lin.xb@example.com
教育背景
2019.09-2023.06  中央财经大学  金融学  本科
2023.09-2026.06  北京大学  金融学  硕士
"""


def test_the_highest_degree_goes_into_the_row_and_the_export(env):
    candidate = Candidate.create(name="林晓北")
    Resume.create(candidate=candidate, source="api", mime="text/plain", sha256="a" * 64, path="resumes/x",
                  parsed=parse(RESUME, dt.date(2026, 12, 1)).to_dict())
    found = campaign.education_of(candidate.id, campaign.latest_resumes([candidate.id]))
    assert found == {"school": "北京大学", "degree": "硕士", "major": "金融学"}
    assert campaign.education_of(candidate.id, {}) == {}  # no résumé: nothing


def test_an_invitation_stands_where_it_got_furthest(env):
    teller = Position.get(Position.slug == "teller")
    candidate = Candidate.create(name="张三")
    now = dt.datetime(2026, 12, 1)
    made = Invitation(position=teller, candidate=candidate, invited_by="hr_li", status="created", expires_at=now)
    assert campaign.state_of(made, None, None) == "in_flight"
    made.status = "failed"
    assert campaign.state_of(made, None, None) == "failed"
    made.sent_at, made.status = now, "sent"
    assert campaign.state_of(made, None, None) == "delivered"
    made.opened_at = now
    assert campaign.state_of(made, None, None) == "opened"
    made.status = "declined"
    assert campaign.state_of(made, None, None) == "declined"
    assert set(export.COLUMNS) >= {("school", "学校"), ("degree", "学历"), ("major", "专业")}
