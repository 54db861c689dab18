"""The labelled evaluation set of issue 19 (tests/fixtures/eval/set.yaml), scored as the product scores it.

    make eval        (or: .venv/bin/python -m tests.evaluation.eval_set [--split dev|heldout|heldout2|all]
                      [--retranscribe] [--transcribe-only] [--json out.json])

Every answer of the set is one answer to its question of its position (a shipped template, or a question HR typed
into the editor with no rubric): clips go through the product's own pipeline (decode, transcription with the bundled
Whisper model, text and voice analysis, scores), typed answers through the same pipeline as typed answers, with the
position's reference text, profile and weights built as bot/reports/scoring.py builds them. Each answer to a
template question is scored a second time with that question's rubric and red flags removed (the same question as an
HR user might have added it, without keywords).

The set has three parts: set.yaml (split dev) and, when present, heldout.yaml (split heldout, written later and
blind to the scorer; its clips under audio/heldout/) and heldout2.yaml (split heldout2, written after the first
held-out part had been looked at; clips under audio/heldout2/). Each file's questions join their positions on their
own, so one part's new questions never change another part's position reference. `--split` chooses the answers
scored and printed (default all). A question personalised from a résumé (`personalised: <rule key>`) is scored as
the product scores it: with the competency, rubric and red flags of that rule of its position.

Transcription dominates the run time, so transcripts are cached — tests/fixtures/eval/transcripts.json for the dev
clips, heldout_transcripts.json and heldout2_transcripts.json for the held-out ones — with the model's name and each
clip's SHA-256: a clip whose file or model changed is transcribed again, and the cache is rewritten. The cached
transcript is complete (words, timings, probabilities), so scoring from it is the same as scoring after a live
transcription; --retranscribe ignores the cache (and measures the full run time); --transcribe-only fills the cache
of the chosen split's clips and scores nothing.

Printed per split chosen (dev; the held-out parts that exist): Spearman's rho of the total against the overall
label, with and without rubrics, for the genuine answers and for all; rho of each dimension; each question's rho and
its answers' labels in the order of their scores; every gaming answer against the adequate answers (label 3) of its
question; mean totals per label and position against the calibration targets; the clips' CER by degradation; wall
time. The set, how it was made and what it does not prove: tests/fixtures/eval/README.md."""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jiwer
import yaml
from scipy.stats import spearmanr

from bot.positions.catalog import POSITIONS_DIR, parse_position_doc
from bot.resumes import questions as personalised
from config.settings import get_settings
from scoring import meaning, media, models, pipeline, report, text
from scoring.transcribe import Segment, Transcriber, Transcript, Word

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eval"
SET = FIXTURES / "set.yaml"
AUDIO = FIXTURES / "audio"
TRANSCRIPTS = FIXTURES / "transcripts.json"
HELDOUT = FIXTURES / "heldout.yaml"
HELDOUT_TRANSCRIPTS = FIXTURES / "heldout_transcripts.json"
HELDOUT2 = FIXTURES / "heldout2.yaml"  # the second held-out part, written blind after the first had been looked at
HELDOUT2_TRANSCRIPTS = FIXTURES / "heldout2_transcripts.json"
SPLITS = ("dev", "heldout", "heldout2")
CACHE_FILES = {"dev": TRANSCRIPTS, "heldout": HELDOUT_TRANSCRIPTS,  # each split's transcripts in a file of its own
               "heldout2": HELDOUT2_TRANSCRIPTS}
DECODE_LIMIT_S = 600.0  # far above any clip: the samples equal those pipeline.score hands its transcriber
LEVELS = {5: "excellent", 4: "good", 3: "adequate", 2: "weak", 1: "off_topic"}
CALIBRATION = {5: (80, 100), 3: (60, 75), 2: (30, 55), 1: (0, 20)}  # issue 19: target total per label
CONCERN = {"reused_template": "reused"}  # the set's gaming names that the scorer's concerns name otherwise
PUNCTUATION = re.compile(r"[\s，。、！？；：“”‘’（）,.!?;:\"'()…—\-]")


def cer(reference: str, heard: str) -> float:
    """Character error rate with punctuation and spaces ignored."""
    ref, hyp = PUNCTUATION.sub("", reference), PUNCTUATION.sub("", heard)
    return jiwer.cer(ref, hyp) if ref else float(bool(hyp))


def rho(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rho (ties averaged); None when either side is constant or there are fewer than 3 pairs."""
    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return round(float(spearmanr(xs, ys).statistic), 3)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def without_rubric(question: dict[str, Any]) -> dict[str, Any]:
    """The question as an HR user might have added it: the same text, no rubric and no red flags."""
    return {k: v for k, v in question.items() if k not in ("rubric", "red_flags")}


# ---- the set and the product's context for each question --------------------------------------------------------

def parts() -> list[Path]:
    """The set's files: the development part, and the held-out parts that exist."""
    return [SET, *(path for path in (HELDOUT, HELDOUT2) if path.exists())]


def load(paths: list[Path] | None = None) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The questions of the set's parts, each with what the product would score it with, and their answers."""
    questions: dict[str, dict[str, Any]] = {}
    answers: list[dict[str, Any]] = []
    for path in paths or parts():
        data = yaml.safe_load(path.read_text("utf-8"))
        questions.update(load_questions(data["questions"]))
        answers.extend(data["answers"])
    return questions, answers


def personalised_question(doc: dict[str, Any], qid: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A question built from a résumé as bot/resumes/questions.py builds it: the filled-in text, and the competency,
    difficulty, red flags and rubric of the position's rule (its own rules, else config/personalised.yaml's)."""
    rules = {r["key"]: r for r in personalised.effective(doc.get("personalised"))["rules"]}
    rule = rules[entry["personalised"]]
    return {"key": qid, "text": entry["text"], "competency": rule.get("competency") or personalised.DEFAULT_COMPETENCY,
            "difficulty": rule.get("difficulty", 2), "red_flags": list(rule.get("red_flags", [])),
            "rubric": [dict(p) for p in rule.get("rubric", [])]}


def load_questions(entries_by_id: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One part's questions with their positions' context."""
    by_position: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for qid, entry in entries_by_id.items():
        by_position[entry["position"]].append((qid, entry))
    questions = {}
    for slug, entries in by_position.items():
        source = POSITIONS_DIR / "templates" / f"{slug}.yaml"
        raw = source.read_bytes()
        doc = yaml.safe_load(raw)
        for qid, entry in entries:  # a new question is added to the position as the editor adds it
            if "personalised" in entry:  # as an interview adds the questions drawn from a résumé
                doc["questions"].append(personalised_question(doc, qid, entry))
            elif "key" not in entry:
                doc["questions"].append({"key": qid, "text": entry["text"], "competency": entry["competency"]})
        position = parse_position_doc(doc, source.name, hashlib.sha256(raw).hexdigest())
        asked = {q["key"]: q for q in position["questions"]}
        language = position["rubric"].get("language", "zh")
        common = {"position": slug, "description": position["description"],
                  "all": position["questions"], "language": None if language == "auto" else language,
                  "profile": meaning.profile(position["description"], position["rubric"].get("competencies")),
                  "weights": report.effective_weights(position["rubric"].get("dimensions") or report.DEFAULT_WEIGHTS,
                                                      expression=False)}
        for qid, entry in entries:
            question = asked[entry.get("key", qid)]
            questions[qid] = {**common, "id": qid, "question": question, "has_rubric": bool(question.get("rubric"))}
    return questions


def reference(context: dict[str, Any], question: dict[str, Any]) -> str:
    """The position's reference text with this question as scored (so a stripped rubric is stripped there too)."""
    return text.position_reference(context["description"],
                                   [question if q["key"] == question["key"] else q for q in context["all"]])


# ---- transcripts: the real model, cached ------------------------------------------------------------------------

def transcript_from_json(doc: dict[str, Any]) -> Transcript:
    segments = [Segment(**{**s, "words": [Word(**w) for w in s["words"]]}) for s in doc["segments"]]
    return Transcript(doc["language"], doc["language_probability"], doc["duration"], doc["speech_duration"], segments)


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 4)
        if isinstance(value, dict):
            return {k: rounded(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rounded(v) for v in value]
        return value
    return rounded(asdict(transcript))


class CachingTranscriber:
    """The product's Transcriber, asked only for clips the cache lacks; pipeline.score calls it like the real one.
    Set `clip` (id and SHA-256 of the file) before each answer is scored."""

    def __init__(self, model_dir: Path, model_name: str, cache: dict[str, Any], *, threads: int,
                 retranscribe: bool) -> None:
        self.real = Transcriber(model_dir, cpu_threads=threads)
        self.model_name = model_name
        self.cache = cache if cache.get("model") == model_name and not retranscribe else {"model": model_name}
        self.cache.setdefault("clips", {})
        self.clip: tuple[str, str] = ("", "")
        self.live_seconds = 0.0
        self.live = 0

    def transcribe(self, audio: Any, *, language: str | None = "zh") -> Transcript:
        clip_id, digest = self.clip
        hit = self.cache["clips"].get(clip_id)
        if hit and hit["sha256"] == digest and hit["language"] == language:
            return transcript_from_json(hit["transcript"])
        started = time.perf_counter()
        transcript = self.real.transcribe(audio, language=language)
        seconds = time.perf_counter() - started
        self.live_seconds += seconds
        self.live += 1
        self.cache["clips"][clip_id] = {"sha256": digest, "language": language, "seconds": round(seconds, 2),
                                        "transcript": transcript_to_json(transcript)}
        return transcript


# ---- scoring ------------------------------------------------------------------------------------------------------

def score_one(answer: dict[str, Any], context: dict[str, Any], question: dict[str, Any],
              transcriber: CachingTranscriber) -> dict[str, Any]:
    """One answer through pipeline.score exactly as a worker scores it (no face, no pasted characters)."""
    audio = answer["mode"] == "audio"
    item = pipeline.AnswerInput(question=question, ordinal=1, mode="audio" if audio else "text",
                                text="" if audio else answer["text"], media=AUDIO / answer["file"] if audio else None,
                                language=context["language"])
    if audio:
        transcriber.clip = (answer["id"], sha256(AUDIO / answer["file"]))
    return pipeline.score(item, transcriber if audio else None, position_reference=reference(context, question),
                          profile=context["profile"], weights=context["weights"])


def interviews_of_reuse(questions: dict[str, dict[str, Any]], answers: list[dict[str, Any]],
                        transcriber: CachingTranscriber) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """A `reused_template` answer is one memorised text given to every question of its position: as in the product,
    reuse is found across the answers of one interview, so each position's uses are scored as one interview's
    answers (report.mark_reused, with and without rubrics). Returns answer id → (with rubric, without)."""
    by_position: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for answer in answers:  # one interview per part and position: the parts' memorised texts are not one candidate's
        if answer.get("gaming") == "reused_template":
            key = (answer.get("split", "dev"), questions[answer["question"]]["position"])
            by_position.setdefault(key, []).append(answer)
    out = {}
    for uses in by_position.values():
        scored = []
        for ordinal, answer in enumerate(uses, start=1):
            context = questions[answer["question"]]
            plain = score_one(answer, context, context["question"], transcriber)
            bare = (score_one(answer, context, without_rubric(context["question"]), transcriber)
                    if context["has_rubric"] else copy.deepcopy(plain))
            scored.append((answer["id"], {**plain, "ordinal": ordinal}, {**bare, "ordinal": ordinal}, context))
        for index in (1, 2):
            report.mark_reused([row[index] for row in scored], scored[0][3]["weights"])
        out.update({answer_id: (plain, bare) for answer_id, plain, bare, _ in scored})
    return out


def score_all(questions: dict[str, dict[str, Any]], answers: list[dict[str, Any]],
              transcriber: CachingTranscriber, out) -> list[dict[str, Any]]:
    rows = []
    reused = interviews_of_reuse(questions, answers, transcriber)
    for answer in answers:
        context = questions[answer["question"]]
        started = time.perf_counter()
        with_rubric, bare = reused.get(answer["id"]) or (None, None)
        if with_rubric is None:
            with_rubric = score_one(answer, context, context["question"], transcriber)
            bare = (score_one(answer, context, without_rubric(context["question"]), transcriber)
                    if context["has_rubric"] else with_rubric)
        heard = (with_rubric.get("transcript") or {}).get("text", "") if answer["mode"] == "audio" else None
        row = {"id": answer["id"], "split": answer.get("split", "dev"), "question": answer["question"],
               "position": context["position"], "has_rubric": context["has_rubric"], "quality": answer["quality"],
               "style": answer["style"], "gaming": answer.get("gaming"), "mode": answer["mode"],
               "degrade": answer.get("degrade"), "speaker": answer.get("speaker"), "labels": answer["labels"],
               "status": with_rubric["status"], "total": with_rubric["total"], "total_bare": bare["total"],
               "dimensions": {n: d["score"] for n, d in with_rubric["dimensions"].items()},
               "dimensions_bare": {n: d["score"] for n, d in bare["dimensions"].items()},
               "concerns": [g.get("kind") for g in ((with_rubric.get("signals") or {}).get("text") or {})
                            .get("gaming", [])],
               "heard": heard, "cer": round(cer(answer["text"], heard), 3) if heard is not None else None,
               "seconds": round(time.perf_counter() - started, 2)}
        rows.append(row)
        heard_note = "" if row["cer"] is None else f"CER {row['cer']:.2f}"
        print(f"{row['id']:40s} label {row['labels']['overall']}  total {row['total']:5.1f}  bare "
              f"{row['total_bare']:5.1f}  {row['status']:10s} {heard_note}", file=out, flush=True)
    return rows


# ---- the summary ----------------------------------------------------------------------------------------------------

def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def summarise(rows: list[dict[str, Any]], dimensions: list[str], out) -> dict[str, Any]:
    """Print and return the numbers of one split."""
    genuine = [r for r in rows if not r["gaming"]]
    rubric_rows = [r for r in rows if r["has_rubric"]]
    rubric_genuine = [r for r in genuine if r["has_rubric"]]
    new_rows = [r for r in rows if not r["has_rubric"]]
    label = lambda rs: [r["labels"]["overall"] for r in rs]  # noqa: E731
    summary: dict[str, Any] = {"answers": len(rows), "clips": sum(r["mode"] == "audio" for r in rows)}
    summary["rho"] = {
        "with_rubric": {"genuine": rho([r["total"] for r in rubric_genuine], label(rubric_genuine)),
                        "all": rho([r["total"] for r in rubric_rows], label(rubric_rows))},
        "without_rubric": {"genuine": rho([r["total_bare"] for r in genuine], label(genuine)),
                           "all": rho([r["total_bare"] for r in rows], label(rows))},
        "new_questions": {"genuine": rho([r["total"] for r in new_rows if not r["gaming"]],
                                         label([r for r in new_rows if not r["gaming"]])),
                          "all": rho([r["total"] for r in new_rows], label(new_rows))},
        "rubric_stripped": {"genuine": rho([r["total_bare"] for r in rubric_genuine], label(rubric_genuine)),
                            "all": rho([r["total_bare"] for r in rubric_rows], label(rubric_rows))},
    }
    print(f"\n{summary['answers']} answers ({summary['clips']} clips); Spearman rho of the total vs the overall label",
          file=out)
    print(f"  {'':44s}{'genuine':>8s}{'all':>8s}", file=out)
    names = {"with_rubric": "template questions, with their rubric",
             "without_rubric": "every question without a rubric",
             "new_questions": "  of which: the new questions (no rubric)",
             "rubric_stripped": "  of which: template questions, rubric removed"}
    for key, name in names.items():
        print(f"  {name:44s}{_fmt(summary['rho'][key]['genuine']):>8s}{_fmt(summary['rho'][key]['all']):>8s}",
              file=out)

    summary["dimension_rho"] = {}
    print("\n  per-dimension rho (all answers)          with rubric   without", file=out)
    for name in dimensions:
        with_r = rho([r["dimensions"].get(name, 0.0) for r in rubric_rows], [r["labels"][name] for r in rubric_rows])
        bare_r = rho([r["dimensions_bare"].get(name, 0.0) for r in rows], [r["labels"][name] for r in rows])
        summary["dimension_rho"][name] = {"with_rubric": with_r, "without_rubric": bare_r}
        print(f"  {name:40s}{_fmt(with_r):>12s}{_fmt(bare_r):>10s}", file=out)

    summary["questions"] = {}
    print("\n  per question: rho (all answers) and the labels in the order of the scores, highest first", file=out)
    for qid in dict.fromkeys(r["question"] for r in rows):
        rs = [r for r in rows if r["question"] == qid]
        entry = {"rho": rho([r["total"] for r in rs], label(rs)),
                 "rho_bare": rho([r["total_bare"] for r in rs], label(rs)) if rs[0]["has_rubric"] else None,
                 "order": [r["labels"]["overall"] for r in sorted(rs, key=lambda r: -r["total"])],
                 "order_bare": [r["labels"]["overall"] for r in sorted(rs, key=lambda r: -r["total_bare"])]}
        summary["questions"][qid] = entry
        print(f"  {qid:18s} rho {_fmt(entry['rho'])}  {''.join(map(str, entry['order']))}", file=out)
        if rs[0]["has_rubric"]:
            print(f"  {'  rubric removed':18s} rho {_fmt(entry['rho_bare'])}  {''.join(map(str, entry['order_bare']))}",
                  file=out)

    summary["gaming"] = []
    print("\n  gaming answers vs the adequate answers (label 3) of the same question", file=out)
    for r in (r for r in rows if r["gaming"]):
        adequate = [a for a in genuine if a["question"] == r["question"] and a["labels"]["overall"] == 3]
        floor = min((a["total"] for a in adequate), default=None)
        floor_bare = min((a["total_bare"] for a in adequate), default=None)
        below = floor is not None and r["total"] < floor
        # with no rubric there is no rubric to recite: a recited rubric is then just a summary of good practice
        bare_applies = not (r["gaming"] == "recited_rubric")
        below_bare = floor_bare is not None and r["total_bare"] < floor_bare
        summary["gaming"].append({"id": r["id"], "gaming": r["gaming"], "total": r["total"], "adequate_min": floor,
                                  "below": below, "total_bare": r["total_bare"], "adequate_min_bare": floor_bare,
                                  "below_bare": below_bare if bare_applies else None,
                                  "named_in_concerns": CONCERN.get(r["gaming"], r["gaming"]) in r["concerns"],
                                  "concerns": r["concerns"]})
        print(f"  {'✓' if below else '✗'} {r['id']:40s} {r['total']:5.1f} vs {floor if floor is not None else '-':>5}"
              f"   no rubric {'✓' if below_bare else ('·' if not bare_applies else '✗')} {r['total_bare']:5.1f} vs "
              f"{floor_bare if floor_bare is not None else '-':>5}   concerns: {','.join(r['concerns']) or '-'}",
              file=out)
    kept = [g for g in summary["gaming"] if g["below"]]
    kept_bare = [g for g in summary["gaming"] if g["below_bare"] is not False]
    print(f"  below adequate: {len(kept)}/{len(summary['gaming'])} with rubric, "
          f"{len(kept_bare)}/{len(summary['gaming'])} without (recited_rubric not counted there); "
          f"named in the concerns: {sum(g['named_in_concerns'] for g in summary['gaming'])}", file=out)

    summary["calibration"] = {}
    print("\n  mean total per label (genuine answers; gaming apart), with rubric / without; target", file=out)
    positions = list(dict.fromkeys(r["position"] for r in rows))
    print(f"  {'label':14s}" + "".join(f"{p:>22s}" for p in positions) + f"{'target':>10s}", file=out)
    for level in (5, 4, 3, 2, 1, "gaming"):
        cells, entry = [], {}
        for p in positions:
            rs = [r for r in rows if r["position"] == p and (r["gaming"] if level == "gaming" else
                                                             (not r["gaming"] and r["labels"]["overall"] == level))]
            mean = round(statistics.fmean(r["total"] for r in rs), 1) if rs else None
            mean_bare = round(statistics.fmean(r["total_bare"] for r in rs), 1) if rs else None
            entry[p] = {"with_rubric": mean, "without_rubric": mean_bare, "n": len(rs)}
            cells.append(f"{mean if mean is not None else '-':>9} / {mean_bare if mean_bare is not None else '-':<5}"
                         f" n{len(rs):<3d}")
        summary["calibration"][str(level)] = entry
        target = CALIBRATION.get(level) if level != "gaming" else None
        name = f"{level} {LEVELS[level]}" if level != "gaming" else "gaming (1)"
        print(f"  {name:14s}" + "".join(f"{c:>22s}" for c in cells) +
              f"{f'{target[0]}–{target[1]}' if target else '':>10s}", file=out)

    clips = [r for r in rows if r["cer"] is not None]
    summary["cer"] = {}
    if clips:
        print("\n  transcription CER of the clips by degradation (mean, max)", file=out)
        for how in ("clean", "noise15", "noise10", "reverb", "phone", "phone+noise"):
            values = [r["cer"] for r in clips if r["degrade"] == how]
            if values:
                summary["cer"][how] = {"mean": round(statistics.fmean(values), 3), "max": max(values),
                                       "n": len(values)}
                print(f"  {how:12s} {summary['cer'][how]['mean']:6.3f} {max(values):6.3f}  n {len(values)}", file=out)
        summary["cer"]["all"] = round(statistics.fmean(r["cer"] for r in clips), 3)
        print(f"  {'all':12s} {summary['cer']['all']:6.3f}", file=out)
    return summary


def read_caches() -> dict[str, Any]:
    """The cached transcripts of both splits as one cache (a file made with another model is left out)."""
    cache: dict[str, Any] = {}
    for path in CACHE_FILES.values():
        if path.exists():
            part = json.loads(path.read_text("utf-8"))
            if not cache:
                cache = {"model": part.get("model"), "clips": {}}
            if part.get("model") == cache["model"]:
                cache["clips"].update(part.get("clips", {}))
    return cache


def write_caches(cache: dict[str, Any], answers: list[dict[str, Any]]) -> None:
    """Each split's clips back into its own file (one split's run leaves the other's file as it was)."""
    for split, path in CACHE_FILES.items():
        ids = {a["id"] for a in answers if a["mode"] == "audio" and a.get("split", "dev") == split}
        if ids:
            kept = json.loads(path.read_text("utf-8")) if path.exists() else {}
            clips = {**(kept.get("clips", {}) if kept.get("model") == cache["model"] else {}),
                     **{k: v for k, v in cache["clips"].items() if k in ids}}
            path.write_text(json.dumps({"model": cache["model"], "clips": dict(sorted(clips.items()))},
                                       ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")


def chosen(answers: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [a for a in answers if split == "all" or a.get("split", "dev") == split]


def transcribe_clips(questions: dict[str, dict[str, Any]], answers: list[dict[str, Any]],
                     transcriber: CachingTranscriber, out) -> None:
    """Fill the transcript cache for these answers' clips and score nothing (decoded as pipeline.score decodes)."""
    for answer in (a for a in answers if a["mode"] == "audio"):
        path = AUDIO / answer["file"]
        transcriber.clip = (answer["id"], sha256(path))
        before = transcriber.live
        transcriber.transcribe(media.decode_audio(path, DECODE_LIMIT_S, 16000),
                               language=questions[answer["question"]]["language"])
        print(f"{answer['id']:40s} {'transcribed' if transcriber.live > before else 'cached'}", file=out, flush=True)


def evaluate(*, split: str = "all", retranscribe: bool = False, write_cache: bool = True,
             transcribe_only: bool = False, out=sys.stdout) -> dict[str, Any]:
    started = time.perf_counter()
    settings = get_settings()
    text.use_cache_dir(settings.models_dir)
    model_dir = models.whisper_model_dir(settings)
    transcriber = CachingTranscriber(model_dir, model_dir.name, read_caches(), threads=settings.scoring_threads,
                                     retranscribe=retranscribe)
    questions, answers = load()
    answers = chosen(answers, split)
    dimensions = yaml.safe_load(SET.read_text("utf-8"))["dimensions"]
    if transcribe_only:
        transcribe_clips(questions, answers, transcriber, out)
        rows = []
    else:
        rows = score_all(questions, answers, transcriber, out)
    if write_cache and transcriber.live:
        write_caches(transcriber.cache, answers)
    result: dict[str, Any] = {"rows": rows, "splits": {}}
    for split in SPLITS:
        part = [r for r in rows if r["split"] == split]
        if part:
            print(f"\n==== split {split} " + "=" * 60, file=out)
            result["splits"][split] = summarise(part, dimensions, out)
    wall = time.perf_counter() - started
    cached = sum(v.get("seconds", 0) for v in transcriber.cache["clips"].values())
    result["timing"] = {"wall_s": round(wall, 1), "transcribed_now": transcriber.live,
                        "transcription_s_now": round(transcriber.live_seconds, 1),
                        "transcription_s_when_cached": round(cached, 1), "model": transcriber.model_name}
    print(f"\nwall time {wall:.0f} s; transcribed now: {transcriber.live} clips in {transcriber.live_seconds:.0f} s "
          f"(model {transcriber.model_name}; a full transcription took {cached:.0f} s when the cache was made)",
          file=out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all", help="the part scored and printed")
    parser.add_argument("--retranscribe", action="store_true", help="ignore the cached transcripts")
    parser.add_argument("--transcribe-only", action="store_true",
                        help="only fill the transcript caches of the chosen part's clips; score nothing")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the transcript caches")
    parser.add_argument("--json", type=Path, help="also write the rows and numbers here")
    args = parser.parse_args(argv)
    result = evaluate(split=args.split, retranscribe=args.retranscribe, write_cache=not args.no_write,
                      transcribe_only=args.transcribe_only)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
