"""How well candidates' chat is read: a labelled set of messages written blind (tests/fixtures/chat/phrasings.yaml).

    .venv/bin/python -m tests.evaluation.chat_phrasings [--part dev|heldout|all] [--show-misses]

Each message carries what the candidate means: one intent (or none: a message for a person) and how it is said —
asked for, refused (negated) or asked about (a question). It is read as the product reads it
(bot/commands/registry.read) and graded with the conversation's own rules (bot/channels/conversation.py): what it
would do, ask to confirm, explain, refuse or answer. Printed per part: the share understood, per intent and overall,
and the errors that matter most, counted apart:

- acted wrongly: an act done at once (human review, unsubscribe) that the message did not ask for;
- asked wrongly: a confirmation asked for (delete, leave the pool, decline, withdraw, answer an offer) that the
  message did not ask for — nothing happens unless the candidate confirms, but it is a wrong question;
- missed: a request read as nothing (it goes to the recruiter: a human reply, slower, never a wrong act).

The set was written by someone who had not read the phrase lists; its development part was then used to extend
them, its held-out part was not looked at until the extension was frozen (docs/candidate-chat.md has the numbers).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parents[1] / "fixtures" / "chat" / "phrasings.yaml"
IMMEDIATE = ("review", "unsubscribe")  # acts done at once, without a confirmation


@dataclass(frozen=True)
class Graded:
    """One message: what it means, what the product would do with it, and how that counts."""

    text: str
    intent: str
    mode: str
    part: str
    did: tuple[str, ...]  # "<intent>:<act|ask|explain|refuse|answer>" for each step the conversation would take
    right: bool
    acted_wrongly: bool
    asked_wrongly: bool
    missed: bool


def load(part: str = "all") -> list[dict]:
    rows = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    return [r for r in rows if part == "all" or r["part"] == part]


def steps(text: str) -> tuple[str, ...]:
    """What the conversation would do with text, step by step ("<intent>:<how>"), as it decides it."""
    from bot.channels.conversation import plan  # which imports the intents' declarations

    return tuple(f"{name}:{how}" for name, how in plan(text))


def grade(row: dict) -> Graded:
    did = steps(row["text"])
    intent, mode = row["intent"], row["mode"]
    taken = {d.split(":")[0]: d.split(":")[1] for d in did}
    wanted = {"request": ("act", "ask", "answer"), "negated": ("refuse",), "question": ("explain", "answer")}[mode]
    if intent == "none":
        right = not any(how in ("act", "ask") for how in taken.values())
    else:
        right = taken.get(intent) in wanted
    wrong_acts = [name for name, how in taken.items() if how in ("act", "ask")
                  and not (name == intent and mode == "request")]
    return Graded(row["text"], intent, mode, row["part"], did, right,
                  acted_wrongly=any(name in IMMEDIATE for name in wrong_acts),
                  asked_wrongly=any(name not in IMMEDIATE and taken[name] == "ask" for name in wrong_acts),
                  missed=intent != "none" and mode == "request" and not did)


def summary(graded: list[Graded]) -> dict:
    by_intent: dict[str, list[bool]] = defaultdict(list)
    for g in graded:
        by_intent[g.intent].append(g.right)
    return {"messages": len(graded), "understood": sum(g.right for g in graded),
            "acted_wrongly": sum(g.acted_wrongly for g in graded),
            "asked_wrongly": sum(g.asked_wrongly for g in graded), "missed": sum(g.missed for g in graded),
            "by_intent": {k: (sum(v), len(v)) for k, v in sorted(by_intent.items())}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="all", choices=("dev", "heldout", "all"))
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    parts = ("dev", "heldout") if args.part == "all" else (args.part,)
    for part in parts:
        graded = [grade(r) for r in load(part)]
        s = summary(graded)
        print(f"== {part}: {s['understood']}/{s['messages']} understood ({s['understood'] / s['messages']:.1%}); "
              f"acted wrongly {s['acted_wrongly']}, asked wrongly {s['asked_wrongly']}, missed {s['missed']}")
        modes = Counter((g.mode, g.right) for g in graded if g.intent != "none")
        for mode in ("request", "negated", "question"):
            total = modes[(mode, True)] + modes[(mode, False)]
            if total:
                print(f"   {mode:<9} {modes[(mode, True)]}/{total}")
        for name, (ok, total) in s["by_intent"].items():
            print(f"   {name:<14} {ok}/{total}")
        if args.show_misses:
            for g in graded:
                if not g.right or g.acted_wrongly or g.asked_wrongly:
                    print(f"   ✗ [{g.intent}/{g.mode}] {g.text}  →  {', '.join(g.did) or 'forwarded'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
