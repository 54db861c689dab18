"""The opt-out page (/u/<token>): it asks before it records, the page's POST and a mail client's RFC 8058 one-click
POST record the first opt-out once (audited), a forged token is a plain 404 and an erased candidate learns nothing,
on SQLite and PostgreSQL through the Flask test client."""
from __future__ import annotations

import dataclasses
from urllib.parse import urlparse

import pytest

from bot.clock import utcnow
from bot.links import make_token, unsubscribe_link
from bot.store.models import AuditLog, Candidate


def path_for(settings, candidate_id: int) -> str:
    return urlparse(unsubscribe_link(settings, candidate_id)).path


def token_of(settings, candidate_id: int) -> str:
    return path_for(settings, candidate_id).rsplit("/", 1)[1]


def opted_out(candidate_id: int) -> tuple:
    row = Candidate.get_by_id(candidate_id)
    return row.unsubscribed_at, row.unsubscribe_source


def test_the_page_asks_then_records_the_first_opt_out_once(client, env):
    candidate = Candidate.create(name="张三", email="zhangsan@example.com")
    path = path_for(env, candidate.id)

    asked = client.get(path)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and env.company_name in page and "确认退订</button>" in page
    assert "电子邮件、短信、微信" in page and '<html lang="zh-CN">' in page and "张三" not in page
    assert "form-action 'self'" in asked.headers["Content-Security-Policy"]
    assert asked.headers["Cache-Control"] == "no-store" and opted_out(candidate.id) == (None, "")  # GET changes nothing

    done = client.post(path)  # the page's form: no token, no cookie beyond the link itself
    assert done.status_code == 200 and "已退订" in done.get_data(as_text=True)
    first, source = opted_out(candidate.id)
    assert first is not None and source == "email_link"

    client.post(path)  # repeated, then by a mail client's one-click: harmless, the first time and way kept
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert opted_out(candidate.id) == (first, "email_link")
    [row] = AuditLog.select().where(AuditLog.action == "unsubscribe")
    assert (row.actor, row.target_type, row.target_id, row.detail) == (
        f"candidate:{candidate.id}", "candidate", str(candidate.id), {"source": "email_link"})
    again = client.get(path).get_data(as_text=True)
    assert "已退订" in again and "<button" not in again


def test_a_mail_clients_one_click_post_needs_no_page(client, env):
    english = Candidate.create(name="Ann", locale="en")
    path = path_for(env, english.id)
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in page and "Confirm unsubscribe</button>" in page and "e-mail, SMS" in page

    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})  # form-urlencoded, as RFC 8058 shows it
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert answer.get_data(as_text=True).startswith("You have unsubscribed.")
    assert opted_out(english.id)[1] == "one_click"

    other = Candidate.create(name="李四")  # some clients send multipart/form-data
    answer = client.post(path_for(env, other.id), data={"List-Unsubscribe": "One-Click"},
                         content_type="multipart/form-data")
    assert answer.status_code == 200 and "您已退订" in answer.get_data(as_text=True)
    assert opted_out(other.id)[1] == "one_click"
    assert AuditLog.select().where(AuditLog.action == "unsubscribe").count() == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # nothing here reaches the database
def test_a_forged_token_is_a_plain_404_and_changes_nothing(client, env):
    candidate = Candidate.create(name="张三")
    token = token_of(env, candidate.id)
    forged = [token[:-2] + ("BB" if token.endswith("AA") else "AA"), token + "=", "a" * 600, "not-a-token",
              token_of(dataclasses.replace(env, secret_key="another deployment's key"), candidate.id),
              make_token(env.secret_key, 1, candidate.id, 4102444800)]  # a genuine interview token: another salt
    for bad in forged:
        page = client.get(f"/u/{bad}")
        text = page.get_data(as_text=True)
        assert page.status_code == 404 and "链接无效" in text and "Traceback" not in text, bad
        one_click = client.post(f"/u/{bad}", data={"List-Unsubscribe": "One-Click"})
        assert one_click.status_code == 404 and one_click.mimetype == "text/plain", bad
        assert client.post(f"/u/{bad}").status_code == 404
    assert opted_out(candidate.id) == (None, "")
    assert not AuditLog.select().where(AuditLog.action == "unsubscribe").exists()


def test_an_erased_or_unknown_candidate_gets_the_same_done_answer(client, env):
    known = Candidate.create(name="王五")
    client.post(path_for(env, known.id))
    done = client.get(path_for(env, known.id)).get_data(as_text=True)
    erased = Candidate.create(name="", erased_at=utcnow())
    for path in (path_for(env, erased.id), path_for(env, erased.id + 1000)):
        assert client.get(path).get_data(as_text=True) == done
        assert client.post(path).get_data(as_text=True) == done
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert opted_out(erased.id) == (None, "")  # nothing is written about someone erased
    assert [a.target_id for a in AuditLog.select().where(AuditLog.action == "unsubscribe")] == [str(known.id)]
