"""Benchmark: last upload → report, an interview answered at real-time pace, with and without transcribing while
the candidate speaks (TRANSCRIBE_WHILE_RECORDING), same run, same machine, one scorer process.

    make bench-latency   (or: python -m tests.benchmarks.bench_latency [--seconds 60] [--reps 3])

Each interview: the first five questions answered by typing (they are scored long before the end), the last one
recorded: a --seconds answer of Mandarin fixture clips sent through the H5 API as the page sends it, a chunk every
2 s of recording, then the finish. Timed: from the last chunk's request to the stored report. The page (the web
app in this process) queues the transcription while recording or not, alternately; the scorer is one
`python -m jobs.worker scoring` process, as in production (its jobs run in the process, models loaded once), or with
--fork-per-job one that forks a fresh process for every job as RQ's worker does (the scorer before 2026-12-07).
Prints each time and the median of --reps of each, and their ratio (target: streaming ≤ 5 s).
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from tests.benchmarks.bench_scoring import KEYS, ROOT, _interviews, _wait, bench_environment, make_answers
from tests.support.chat import answer_text
from tests.support.h5 import answer

PACE = 2.0  # seconds of recording per chunk (the page's MediaRecorder timeslice)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, of the children it has waited for and of those alive (the scorer under its
    supervisor, or the per-job work horses)."""
    process = psutil.Process(pid)
    processes = [process, *process.children(recursive=True)]
    total = 0.0
    for each in processes:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:  # a work horse that ended meanwhile: its parent counts it once waited for
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def chunks(data: bytes, seconds: float) -> list[bytes]:
    """The recording cut into one byte range per PACE seconds, as MediaRecorder hands them to the page."""
    count = max(1, round(seconds / PACE))
    return [data[len(data) * i // count:len(data) * (i + 1) // count] for i in range(count)]


def interview(clients: dict, settings, rep: int, streaming: bool, recording: bytes, seconds: float) -> float:
    """Take one interview at real-time pace; the seconds from the last chunk's request to its report."""
    from bot import links
    from bot.store.db import db_session
    from bot.store.models import Candidate, Invitation, Position, Report

    client = clients[streaming]
    with db_session():
        position = Position.get(Position.slug == "teller")
        candidate = Candidate.create(name=f"测试{rep}{int(streaming)}", wecom_userid=f"latency{rep}{int(streaming)}")
        expires = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
        invitation = Invitation.create(position=position, candidate=candidate, invited_by="hr_li",
                                       expires_at=expires, status="sent")
    token = links.make_token(settings.secret_key, invitation.id, candidate.id, expires.timestamp() + 8 * 3600)
    base = f"/h5/api/{token}"
    assert client.post(f"{base}/consent", json={"recording": True, "face": False,
                                                "version": "consent-v1"}).status_code == 200
    for key in KEYS[:-1]:
        typed = answer(client, base, key, answer_text(key, "excellent"))
        assert typed.status_code == 200, typed.json
    client.post(f"{base}/questions/{KEYS[-1]}/reveal")
    opened = client.post(f"{base}/uploads", json={"question": KEYS[-1], "mode": "audio",
                                                   "mime": "audio/webm;codecs=opus", "retake": False})
    assert opened.status_code == 200, opened.json
    upload_id, pieces = opened.json["upload_id"], chunks(recording, seconds)
    began = time.monotonic()
    for seq, piece in enumerate(pieces):
        time.sleep(max(0.0, began + PACE * (seq + 1) - time.monotonic()))  # the chunk is sent once recorded
        if seq == len(pieces) - 1:
            start = time.perf_counter()
        put = client.put(f"{base}/uploads/{upload_id}/chunks/{seq}", data=piece,
                         headers={"X-Chunk-SHA256": hashlib.sha256(piece).hexdigest()})
        assert put.status_code == 200, put.json
    done = client.post(f"{base}/uploads/{upload_id}/finish", json={"chunks": len(pieces), "integrity": {}})
    assert done.status_code == 200, done.json
    _wait(lambda: Report.select().where(Report.interview.in_(_interviews(invitation.id))).exists(), 900)
    return time.perf_counter() - start


FORK_PER_JOB = ("import sys, rq, jobs.worker as w; from config.settings import get_settings; "
                "from scoring import models; models.configure_environment(get_settings()); "
                "sys.exit(w.serve(['scoring'], rq.Worker))")  # RQ's worker: a fresh work horse per job


def measure(folder: Path, seconds: float, reps: int, fork: bool = False) -> dict[bool, list[float]]:
    """Run reps interviews each way, alternately, against one scorer process (as shipped: jobs in the process, so
    loaded models stay loaded; or with fork True a fresh process per job, loading them each time)."""
    env, embedded = bench_environment(folder)
    from config.settings import get_settings
    from handlers.app import create_app

    recording = make_answers(folder, seconds, False)[-1].read_bytes()
    settings = get_settings()
    clients = {on: create_app(dataclasses.replace(settings, transcribe_while_recording=on)).test_client()
               for on in (False, True)}
    log = open(os.environ["BENCH_WORKER_LOG"], "ab") if os.environ.get("BENCH_WORKER_LOG") else subprocess.DEVNULL
    command = ["-c", FORK_PER_JOB] if fork else ["-m", "jobs.worker", "scoring"]
    worker = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env,
                              stdout=log, stderr=log)  # BENCH_WORKER_LOG: where the scorer's log goes
    times: dict[bool, list[float]] = {False: [], True: []}
    try:
        for rep in range(reps):
            for streaming in (False, True):
                used = cpu_seconds(worker.pid)
                took = interview(clients, settings, rep, streaming, recording, seconds)
                times[streaming].append(took)
                print(f"  interview {rep + 1}, {'transcribed while recording' if streaming else 'whole file':27s}: "
                      f"last upload → report {took:5.1f} s; the scorer's CPU for the interview "
                      f"{cpu_seconds(worker.pid) - used:5.1f} s", flush=True)
    finally:
        worker.terminate()
        worker.wait(30)
        if embedded is not None:
            embedded.terminate()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the recorded (last) answer")
    parser.add_argument("--reps", type=int, default=3, help="interviews timed each way")
    parser.add_argument("--fork-per-job", action="store_true",
                        help="the scorer forks a fresh process per job (RQ's Worker), loading the models each time")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    try:
        os.environ.setdefault("DATA_DIR", str(folder / "data"))
        print(f"last answer {args.seconds:.0f} s of audio at real-time pace, one scorer process "
              f"({'a process per job' if args.fork_per_job else 'as shipped: models kept'}), {os.cpu_count()} cores, "
              f"SCORING_THREADS={os.environ.get('SCORING_THREADS', 'default')}", flush=True)
        times = measure(folder, args.seconds, args.reps, fork=args.fork_per_job)
        whole, streaming = statistics.median(times[False]), statistics.median(times[True])
        print(f"last upload → report, median of {args.reps}: whole file {whole:.1f} s, "
              f"transcribed while recording {streaming:.1f} s ({streaming / whole:.2f}× the whole file's; "
              f"target ≤ 5 s: {'met' if streaming <= 5 else 'MISSED'})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
