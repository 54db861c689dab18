"""Each interview draws its questions (seeded per invitation, balanced in difficulty), and the page gets a question's
text only through reveal, one at a time, with the think and answer times kept and enforced by the server."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import threading
from collections import Counter

import pytest

from bot.interviews import draw, timing
from bot.positions import templates
from bot.positions.catalog import POSITIONS_DIR, parse_position, save_position
from bot.store.models import Answer, Interview, Position, QuestionReveal, Report, Upload
from tests.support.chat import answer_text, invite_member, texts, token_of
from tests.support.h5 import answer, consent, reveal, take_interview
from tests.support.hr import login

pytestmark = pytest.mark.sqlite_only  # the draw; two reveals at once keep PostgreSQL

COMPETENCIES = ("服务意识", "合规意识", "沟通表达", "抗压")
RULE = {"服务意识": 2, "合规意识": 2, "沟通表达": 1, "抗压": 1}


def bank() -> list[dict]:
    """12 questions, 3 per competency, one of each difficulty."""
    return [{"key": f"c{c}d{d}", "text": f"{name}的第{d}道题：请举一个您亲身经历的例子（难度{d}）。",
             "text_en": f"{name} question {d}", "competency": name, "difficulty": d}
            for c, name in enumerate(COMPETENCIES) for d in (1, 2, 3)]


def drawing_position() -> Position:
    """A 客户经理 position drawing 6 of its 12 questions; the teller position's rubric and times otherwise."""
    teller = Position.get(Position.slug == "teller")
    return Position.create(slug="account-manager", title="客户经理", questions=bank(),
                           rubric={**(teller.rubric or {}), "draw": RULE}, think_seconds=30, answer_seconds=90,
                           answer_modes=teller.answer_modes)


def invite(stack, who: str, title: str = "客户经理") -> tuple:
    stack.say("hr_li", f"/invite {title} {who}")
    stack.drain()
    link = [m for m in stack.inbox(who) if m["msgtype"] == "template_card"][-1]["card"]["card_action"]["url"]
    return stack.app.test_client(), f"/h5/api/{token_of(link)}", link


def test_the_draw_is_reproducible_balanced_and_rarely_the_same_for_two_invitations():
    questions, sets = bank(), []
    for invitation_id in range(1, 51):
        seed = draw.seed_for("campaign-secret", invitation_id)
        drawn = draw.draw(questions, RULE, seed)
        assert drawn == draw.draw(questions, RULE, seed)  # the same invitation draws the same set
        assert drawn == draw.draw(questions, dict(reversed(RULE.items())), seed)  # whatever order the rule has
        assert Counter(q["competency"] for q in drawn) == Counter(RULE)
        for name, count in RULE.items():  # no difficulty twice while another level still had a question
            levels = [q["difficulty"] for q in drawn if q["competency"] == name]
            assert len(set(levels)) == count
        assert [q["key"] for q in drawn] == [q["key"] for q in questions if q in drawn]  # the bank's order
        sets.append(frozenset(q["key"] for q in drawn))
    pairs = list(itertools.combinations(sets, 2))
    same = sum(a == b for a, b in pairs) / len(pairs)
    assert same < 0.05, f"{same:.1%} of the pairs of invitations drew the same set"
    assert len(set(sets)) >= 30  # 81 possible sets: 50 draws spread over most of them
    assert draw.draw(questions, {}, "any") == questions  # no rule: every question, in order


@pytest.mark.parametrize("template", templates.list_templates(), ids=lambda t: t["file"])
def test_every_shipped_template_draws_its_rule_in_balance_and_rarely_twice_alike(template):
    rule = Position(questions=template["questions"], rubric=template["rubric"]).draw_rule
    sets = []
    for invitation_id in range(1, 51):
        drawn = draw.draw(template["questions"], rule, draw.seed_for("campaign-secret", invitation_id))
        assert Counter(q["competency"] for q in drawn) == Counter(rule)
        for name, count in rule.items():  # as many difficulty levels as the count and the bank allow
            pool = {draw.difficulty(q) for q in template["questions"] if q.get("competency") == name}
            assert len({draw.difficulty(q) for q in drawn if q["competency"] == name}) == min(count, len(pool))
        sets.append(frozenset(q["key"] for q in drawn))
    pairs = list(itertools.combinations(sets, 2))
    # the smallest shipped banks allow 16 balanced sets (two levels per competency): about 6 % of pairs alike
    assert sum(a == b for a, b in pairs) / len(pairs) < 0.1


def test_a_bank_with_fewer_questions_of_a_level_spreads_over_what_it_has():
    pool = [{"key": f"q{i}", "text": "t", "competency": "A", "difficulty": d} for i, d in enumerate((1, 1, 1, 3))]
    for n in range(20):
        levels = sorted(q["difficulty"] for q in draw.draw(pool, {"A": 2}, str(n)))
        assert levels == [1, 3]
    fixed = [{"key": "intro", "text": "请介绍一下自己。"}, *pool]  # no competency: always asked, in its place
    assert [q["key"] for q in draw.draw(fixed, {"A": 1}, "s")][0] == "intro"


def test_each_candidate_draws_at_consent_and_keeps_the_set(stack):
    drawing_position()
    drawn = {}
    for who in ("zhangsan", "lisi", "wangwu"):
        client, base, _ = invite(stack, who)
        before = client.get(f"{base}/state").json
        assert len(before["questions"]) == 6 and all(q["key"] is None for q in before["questions"])
        consent(client, base)
        interview = Interview.select().order_by(Interview.id.desc()).get()
        keys = [q["key"] for q in interview.questions]
        assert len(keys) == 6 and [q["key"] for q in client.get(f"{base}/state").json["questions"]] == keys
        seed = draw.seed_for(stack.settings.secret_key, interview.invitation_id)
        assert interview.draw == {"rule": RULE, "seed": seed, "bank": [q["key"] for q in bank()], "keys": keys}
        assert [q["key"] for q in draw.draw(bank(), RULE, interview.draw["seed"])] == keys  # an audit re-runs it
        consent(client, base)  # consenting again changes nothing
        assert [q["key"] for q in Interview.get_by_id(interview.id).questions] == keys
        drawn[who] = keys
    assert len({tuple(k) for k in drawn.values()}) > 1


def test_the_card_and_chat_announce_the_questions_one_interview_asks(stack):
    drawing_position()
    invite(stack, "zhangsan")
    [card] = [m["card"] for m in stack.inbox("zhangsan") if m["msgtype"] == "template_card"]
    assert "6 题" in json.dumps(card, ensure_ascii=False) and "12 题" not in json.dumps(card, ensure_ascii=False)
    stack.say("hr_li", "/positions")
    stack.drain()
    assert "「客户经理」(account-manager)：6 道题" in texts(stack, "hr_li")[-1]


def test_no_question_text_before_consent_anywhere(stack, candidate_api):
    client, base = candidate_api
    texts = [q["text"] for q in Position.get(Position.slug == "teller").questions]
    state = client.get(f"{base}/state")
    assert state.status_code == 200
    dumped = json.dumps(state.json, ensure_ascii=False)
    assert not [t for t in texts if t in dumped or t[:12] in dumped]
    page = client.get(f"/i/{base.rsplit('/', 1)[1]}")  # the page embeds its state
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not [t for t in texts if t[:12] in html]
    assert client.post(f"{base}/questions/intro/reveal").json["code"] == "no_consent"


def test_after_consent_only_revealed_texts_one_question_at_a_time(stack, candidate_api):
    client, base = candidate_api
    bank_ = {q["key"]: q["text"] for q in Position.get(Position.slug == "teller").questions}
    state = consent(client, base)
    assert [q["key"] for q in state["questions"]] == list(bank_)
    assert not [t for t in bank_.values() if t[:12] in json.dumps(state, ensure_ascii=False)]
    shown = reveal(client, base, "intro")
    assert shown["text"] == bank_["intro"] and shown["think_left"] <= shown["think_seconds"]
    ahead = client.post(f"{base}/questions/complaint/reveal")  # a second text while the first is open
    assert ahead.status_code == 409 and ahead.json["code"] == "not_current" and ahead.json["next_question"] == "intro"
    assert "text" not in ahead.json
    dumped = json.dumps(client.get(f"{base}/state").json, ensure_ascii=False)
    assert bank_["intro"] in dumped and not [t for k, t in bank_.items() if k != "intro" and t[:12] in dumped]
    assert answer(client, base, "intro", answer_text("intro", "excellent")).status_code == 200
    assert reveal(client, base, "complaint")["text"] == bank_["complaint"]
    listed = {q["key"]: q.get("text") for q in client.get(f"{base}/state").json["questions"]}
    assert {k for k, t in listed.items() if t} == {"intro", "complaint"}
    assert "competency" not in json.dumps(client.get(f"{base}/state").json)


@pytest.mark.postgres
def test_two_reveals_at_once_show_one_question(stack, candidate_api):
    client, base = candidate_api
    consent(client, base)
    barrier, answers = threading.Barrier(2), {}

    def show(key: str) -> None:
        mine = stack.app.test_client()
        barrier.wait()
        answers[key] = mine.post(f"{base}/questions/{key}/reveal").status_code

    threads = [threading.Thread(target=show, args=(key,)) for key in ("intro", "complaint")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [200, 409] and QuestionReveal.select().count() == 1


def test_reveal_is_idempotent_and_keeps_the_first_time(stack, candidate_api):
    client, base = candidate_api
    consent(client, base)
    first = reveal(client, base, "intro")
    earlier = QuestionReveal.get().revealed_at - dt.timedelta(seconds=20)
    QuestionReveal.update(revealed_at=earlier, window_from=earlier).execute()  # as if shown 20 s ago
    again = reveal(client, base, "intro")
    assert QuestionReveal.select().count() == 1
    assert again["revealed_at"] == earlier.isoformat(timespec="seconds") + "Z" != first["revealed_at"]
    assert again["text"] == first["text"] and again["think_left"] <= first["think_seconds"] - 19


def shown_ago(key: str, seconds: float) -> None:
    """Move the question's reveal (and its take's window) back in time."""
    then = QuestionReveal.get(QuestionReveal.question_key == key).revealed_at - dt.timedelta(seconds=seconds)
    QuestionReveal.update(revealed_at=then, window_from=then).where(QuestionReveal.question_key == key).execute()


def test_a_typed_answer_after_its_time_is_refused_with_a_clear_message(stack, candidate_api):
    client, base = candidate_api
    consent(client, base)
    q = reveal(client, base, "intro")
    limit = q["think_seconds"] + q["answer_seconds"]
    shown_ago("intro", limit + timing.TEXT_SLACK + 2)
    late = client.post(f"{base}/answers/intro/text", json={"text": answer_text("intro", "excellent")})
    assert late.status_code == 409 and late.json["code"] == "answer_time_over"
    assert "作答时间已过" in late.json["error"] and late.json["next_question"] == "complaint"
    assert Answer.select().count() == 0
    state = client.get(f"{base}/state").json
    assert state["questions"][0]["expired"] and state["next_question"] == "complaint"
    assert client.post(f"{base}/questions/intro/start").json["code"] == "answer_time_over"
    # the next question is on time: shown 10 s before the limit (slack included), it is taken
    reveal(client, base, "complaint")
    shown_ago("complaint", limit + timing.TEXT_SLACK - 10)
    assert client.post(f"{base}/answers/complaint/text", json={"text": "先倾听，再解释。"}).status_code == 200


def test_the_last_question_timing_out_completes_the_interview(stack, candidate_api):
    client, base = candidate_api
    keys = [q["key"] for q in consent(client, base)["questions"]]
    for key in keys[:-1]:
        assert answer(client, base, key, answer_text(key, "weak")).status_code == 200
    q = reveal(client, base, keys[-1])
    shown_ago(keys[-1], q["think_seconds"] + q["answer_seconds"] + timing.TEXT_SLACK + 1)
    late = client.post(f"{base}/answers/{keys[-1]}/text", json={"text": "太晚了"})
    assert late.json["code"] == "answer_time_over" and late.json["interview_status"] == "completed"
    assert Interview.get().status == "completed" and Answer.select().count() == len(keys) - 1


def test_a_recording_must_start_within_the_think_time_and_arrive_within_its_answer_time(stack, candidate_api,
                                                                                       clips):
    client, base = candidate_api
    consent(client, base)
    q = reveal(client, base, "intro")
    shown_ago("intro", q["think_seconds"] + timing.START_SLACK + 1)
    body = {"question": "intro", "mode": "audio", "mime": "audio/webm"}
    late = client.post(f"{base}/uploads", json=body)
    assert late.status_code == 409 and late.json["code"] == "answer_time_over" and "思考时间已过" in late.json["error"]
    assert "文字作答" in late.json["error"]
    assert Upload.select().count() == 0 and late.json["next_question"] == "intro"  # it may still be typed
    assert answer(client, base, "intro", "我叫张三。").status_code == 200
    q = reveal(client, base, "complaint")
    opened = client.post(f"{base}/uploads", json={**body, "question": "complaint"}).json["upload_id"]
    assert QuestionReveal.get(QuestionReveal.question_key == "complaint").first_started_at is not None
    client.put(f"{base}/uploads/{opened}/chunks/0", data=clips["audio"],
               headers={"X-Chunk-SHA256": hashlib.sha256(clips["audio"]).hexdigest()})
    Upload.update(created_at=Upload.get_by_id(opened).created_at - dt.timedelta(
        seconds=q["answer_seconds"] + timing.FINISH_SLACK + 1)).execute()  # its chunks came long after
    refused = client.post(f"{base}/uploads/{opened}/finish", json={"chunks": 1})
    assert refused.status_code == 409 and refused.json["code"] == "answer_time_over"
    assert Upload.get_by_id(opened).status == "failed" and Answer.select().count() == 1


def test_where_typing_is_not_allowed_a_missed_start_moves_on(stack, candidate_api):
    values = parse_position(POSITIONS_DIR / "teller.yaml")  # HR's edit: a new version, which the interview pins
    values.update(answer_modes=["video", "audio"], source_sha256="recordings-only")
    assert save_position(values, author="hr_li", source="api") == "updated"
    client, base = candidate_api
    consent(client, base)
    q = reveal(client, base, "intro")
    shown_ago("intro", q["think_seconds"] + timing.START_SLACK + 1)
    late = client.post(f"{base}/uploads", json={"question": "intro", "mode": "audio", "mime": "audio/webm"})
    assert late.json["code"] == "answer_time_over" and late.json["next_question"] == "complaint"
    assert reveal(client, base, "complaint")["key"] == "complaint"


def test_a_retake_gets_no_new_think_time(stack, candidate_api):
    client, base = candidate_api
    consent(client, base)
    assert answer(client, base, "intro", "我叫张三。").status_code == 200
    row = QuestionReveal.get()
    assert row.takes == 1 and row.ended_at is not None
    q = reveal(client, base, "intro")  # the retake reuses the reveal: its window runs from the saved take
    assert q["revealed_at"] == row.revealed_at.isoformat(timespec="seconds") + "Z"
    later = row.ended_at - dt.timedelta(seconds=q["think_seconds"] + q["answer_seconds"] + timing.TEXT_SLACK + 1)
    QuestionReveal.update(window_from=later).execute()
    retake = client.post(f"{base}/answers/intro/text", json={"text": "我叫张三，做过三年柜员。", "retake": True})
    assert retake.status_code == 409 and retake.json["code"] == "answer_time_over"
    assert Answer.get().text == "我叫张三。" and Answer.get().retakes_used == 0


def test_the_report_lists_the_asked_questions_with_the_servers_times(stack):
    drawing_position()
    client, base, link = invite(stack, "zhangsan")
    consent(client, base)
    keys = [q["key"] for q in client.get(f"{base}/state").json["questions"]]
    for key in keys:
        reveal(client, base, key)
        shown_ago(key, 12)  # shown 12 s ago; typing started 5 s after it
        started = QuestionReveal.get(QuestionReveal.question_key == key).revealed_at + dt.timedelta(seconds=5)
        QuestionReveal.update(started_at=started, first_started_at=started).where(
            QuestionReveal.question_key == key).execute()
        typed = client.post(f"{base}/answers/{key}/text", json={"text": "我会先倾听客户的诉求，再解释原因。"})
        assert typed.status_code == 200, typed.json
    stack.drain()
    report = Report.get()
    asked = report.document["interview"]["asked"]
    assert [a["key"] for a in asked] == keys and {a["competency"] for a in asked} == set(RULE)
    assert all(a["think_seconds"] == pytest.approx(5, abs=1) and a["answer_seconds"] == pytest.approx(7, abs=2)
               for a in asked)
    assert report.document["interview"]["draw"]["seed"] == Interview.get().draw["seed"]
    page = login(stack, "hr_li").get(f"{stack.base}/hr/reports/{report.id}", timeout=30).text
    assert "所问题目" in page and Interview.get().draw["seed"][:16] in page
    texts = {q["key"]: q["text"] for q in bank()}
    for a in asked:
        assert texts[a["key"]] in page
        assert f'<tr data-key="{a["key"]}">' in page
    assert page.count("/ 30 秒") == 6 and page.count("/ 90 秒") == 6  # each question's limits beside its times
    assert all(name in page for name in RULE)
    assert all(f"<td>{level}</td>" in page for level in {a["difficulty_name"] for a in asked})


def test_take_interview_reveals_each_question_before_answering(stack):
    take_interview(stack, invite_member(stack))
    assert QuestionReveal.select().count() == Answer.select().count() == 6
    assert all(r.ended_at and r.takes == 1 for r in QuestionReveal.select())
