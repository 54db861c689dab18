"""The labelled evaluation set of issue 19 (tests/fixtures/eval/) is whole: labels, clips, transcripts — of both
parts, the development part (set.yaml) and the two held-out parts (heldout.yaml, heldout2.yaml, clips under
audio/heldout/ and audio/heldout2/).

No scorer and no Whisper here (the numbers are `make eval`'s): these guard what the numbers rest on — every answer
labelled with its position's own dimensions, every adversarial answer labelled 1, a reused answer really the same
text, every clip present and decodable by the product's own audio stack, and the cached transcripts made by the
bundled model from the very files committed.
"""
from __future__ import annotations

import collections
import hashlib
import json
import re

import pytest
import yaml

from bot.positions.catalog import POSITIONS_DIR
from scoring import media
from tests.evaluation import eval_set

GAMING = {"keyword_list", "read_back", "recited_rubric", "reused_template", "padding", "fluent_wrong"}
DEGRADES = {"clean", "noise15", "noise10", "reverb", "phone", "phone+noise"}
VOICES = {"biaobei", "Aitong", "Aiya", "Aida", "Aiqi", "Xiaoxue"}


@pytest.fixture(scope="module")
def loaded():
    return eval_set.load()


def test_every_answer_is_labelled_with_its_positions_dimensions(loaded):
    questions, answers = loaded
    assert len({a["id"] for a in answers}) == len(answers)
    assert sum(a["split"] == "dev" for a in answers) >= 110
    for answer in answers:
        template = yaml.safe_load((POSITIONS_DIR / "templates" / f"{questions[answer['question']]['position']}.yaml")
                                  .read_text("utf-8"))
        assert set(answer["labels"]) == {"overall", *template["dimensions"]}, answer["id"]
        assert all(v in range(1, 6) for v in answer["labels"].values()), answer["id"]
        assert answer["split"] in eval_set.SPLITS and answer["labeler_note"].strip(), answer["id"]
    positions = {q["position"] for q in questions.values()}
    assert positions == {"bank-teller", "retail-rm-campus", "it-developer"}
    assert sum(not q["has_rubric"] for q in questions.values()) >= 3  # questions HR typed, no rubric
    assert all(not q["question"].get("rubric") for q in questions.values() if not q["has_rubric"])


def test_gaming_answers_are_labelled_1_and_each_question_has_adequate_answers_to_beat(loaded):
    questions, answers = loaded
    assert {a["gaming"] for a in answers if a.get("gaming")} == GAMING
    for answer in answers:
        if answer.get("gaming"):
            assert answer["labels"]["overall"] == 1 and answer["quality"] == "adversarial", answer["id"]
    for qid in questions:
        genuine = [a for a in answers if a["question"] == qid and not a.get("gaming")]
        assert sum(a["labels"]["overall"] == 3 for a in genuine) >= 2, qid
        levels = {a["labels"]["overall"] for a in genuine}  # the labeller's judgement may leave one level out
        assert {1, 3, 5} <= levels and len(levels) >= 4, qid  # (a weak answer that breaks a rule is a 1)
        assert {a["style"] for a in genuine} == {"spoken", "typed"}, qid


def test_a_reused_template_is_the_same_text_across_a_positions_questions(loaded):
    questions, answers = loaded
    reused = collections.defaultdict(set)
    for answer in answers:  # one memorised text per position and part
        if answer.get("gaming") == "reused_template":
            reused[answer["split"], questions[answer["question"]]["position"]].add((answer["question"],
                                                                                    answer["text"]))
    for position, pairs in reused.items():
        assert len({q for q, _ in pairs}) >= 3 and len({t for _, t in pairs}) == 1, position


@pytest.mark.parametrize("split", eval_set.SPLITS)
def test_clips_are_spoken_by_six_voices_mostly_degraded_and_decode_with_the_products_stack(loaded, split):
    _, answers = loaded
    answers = [a for a in answers if a["split"] == split]
    clips = [a for a in answers if a["mode"] == "audio"]
    assert len(clips) >= {"dev": 90, "heldout": 60, "heldout2": 60}[split]
    assert all(a["style"] == "spoken" for a in clips)
    assert {a["speaker"] for a in clips} == VOICES and {a["degrade"] for a in clips} == DEGRADES
    assert 0.55 <= sum(a["degrade"] != "clean" for a in clips) / len(clips) <= 0.75
    assert all(a["mode"] == "text" for a in answers if a["style"] == "typed")
    assert all(a["file"].startswith(f"{split}/") == (split != "dev") for a in clips)
    total = 0
    for clip in clips:
        path = eval_set.AUDIO / clip["file"]
        assert not re.search(r"[A-Za-z0-9]", clip["text"]), clip["id"]  # what ttskit can say
        samples = media.decode_audio(path, 180.0, 16000)
        assert samples.ndim == 1 and 3 * 16000 < len(samples) < 120 * 16000, clip["id"]
        total += path.stat().st_size
    assert total < {"dev": 8_500_000, "heldout": 4_500_000, "heldout2": 4_500_000}[split]


@pytest.mark.parametrize("part", ["heldout", "heldout2"])
def test_a_held_out_part_is_its_own_file_with_new_questions_and_every_kind_of_answer(part):
    """Written after the parts before it and kept apart from them: its own questions (two unused template questions
    per position, one typed by HR and, for one position, one personalised from a résumé), every gaming kind, no
    copied text."""
    earlier = {"heldout": [eval_set.SET], "heldout2": [eval_set.SET, eval_set.HELDOUT]}[part]
    dev_q, dev = eval_set.load(earlier)
    held_q, held = eval_set.load([{"heldout": eval_set.HELDOUT, "heldout2": eval_set.HELDOUT2}[part]])
    assert {a["split"] for a in held} == {part}
    assert len(held) >= 66 and sum(a["mode"] == "audio" for a in held) >= 60
    assert sum(a["mode"] == "audio" for a in dev + held) >= 150
    assert not set(dev_q) & set(held_q) and not {a["id"] for a in dev} & {a["id"] for a in held}
    assert not {q["question"]["text"] for q in dev_q.values()} & {q["question"]["text"] for q in held_q.values()}
    assert not {a["text"] for a in dev} & {a["text"] for a in held}
    assert {a["gaming"] for a in held if a.get("gaming")} == GAMING
    raw = yaml.safe_load({"heldout": eval_set.HELDOUT, "heldout2": eval_set.HELDOUT2}[part].read_text("utf-8"))[
        "questions"]
    used = {(e["position"], e.get("key")) for part_file in earlier
            for e in yaml.safe_load(part_file.read_text("utf-8"))["questions"].values() if "key" in e}
    assert not used & {(e["position"], e["key"]) for e in raw.values() if "key" in e}
    for position in ("bank-teller", "retail-rm-campus", "it-developer"):
        kinds = collections.Counter("personalised" if "personalised" in e else "template" if "key" in e else "new"
                                    for e in raw.values() if e["position"] == position)
        assert kinds["template"] == 2 and kinds["new"] == 1, position
    cv = [qid for qid, e in raw.items() if "personalised" in e]
    assert len(cv) == 1
    question = held_q[cv[0]]["question"]  # scored as the product scores it: with its rule's rubric
    assert held_q[cv[0]]["has_rubric"] and "简历" in question["text"]
    assert "{" not in question["text"] and question["competency"]


@pytest.mark.parametrize("split", eval_set.SPLITS)
def test_cached_transcripts_come_from_the_bundled_model_and_the_committed_files(loaded, split):
    _, answers = loaded
    cache = json.loads(eval_set.CACHE_FILES[split].read_text("utf-8"))
    assert cache["model"] == "whisper-base"
    errors = {}
    clips = [a for a in answers if a["mode"] == "audio" and a["split"] == split]
    scripts = {a["text"] for a in clips}
    for clip in clips:
        entry = cache["clips"][clip["id"]]
        assert entry["sha256"] == hashlib.sha256((eval_set.AUDIO / clip["file"]).read_bytes()).hexdigest(), clip["id"]
        transcript = eval_set.transcript_from_json(entry["transcript"])
        assert transcript.text and transcript.words, clip["id"]
        assert eval_set.transcript_to_json(transcript) == entry["transcript"]  # nothing lost in the round trip
        errors[clip["id"]] = (clip["degrade"], eval_set.cer(clip["text"], transcript.text))
        # the right clip: what was heard is closer to its own script than to any other of the part
        assert errors[clip["id"]][1] <= min(eval_set.cer(other, transcript.text) for other in scripts), clip["id"]
    # understood: clean ones closely; degraded ones may lose words (a phone band's low voice to the VAD), which is
    # what the evaluation is there to show, so only the mean is bounded for them. Two short clean held-out clips
    # (6-8 s) get a caption Whisper makes up at the end ("字幕制作作曲"): CER 0.27 and 0.41, kept as heard
    bound = {"dev": 0.25, "heldout": 0.45, "heldout2": 0.45}[split]
    assert all(cer < bound for degrade, cer in errors.values() if degrade == "clean")
    assert sum(cer for _, cer in errors.values()) / len(errors) < 0.2
