"""Several machines in miniature: two worker processes against one Redis and one database (PostgreSQL when
TEST_POSTGRES_URL is set, as several machines would share it; SQLite otherwise) share a bulk run's chunks, its 400
cards and six interviews' scoring and result cards — each job done exactly once, each person messaged once, and both
workers did part of the work."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.support.bulk import member_row, sheet, upload
from tests.support.chat import cards as result_cards
from tests.support.chat import invite_member
from tests.support.h5 import take_interview
from tests.support.paths import REPO

JOB_OK = re.compile(r"Worker (\S+): .*Job OK\S* \(([^)]+)\)")
# One database: several machines share PostgreSQL (SQLite's multi-process locking has tests of its own); the suite's
# time is better spent elsewhere than running this four-minute scene twice.
ONE_DATABASE = pytest.mark.parametrize("db_url", ["postgres" if os.environ.get("TEST_POSTGRES_URL") else "sqlite"],
                                       indirect=True)


@ONE_DATABASE
def test_two_workers_share_the_work_and_each_job_runs_once(stack, monkeypatch):
    from bot.bulk import runs as bulk
    from bot.sandbox.gate import sandbox_state
    from bot.store.models import AnswerAnalysis, BulkRun, Candidate, Invitation, OutboundMessage, Report

    total, interviews = 400, 6
    monkeypatch.setattr(bulk, "STALL_SECONDS", 3600)  # nothing is re-queued behind the workers' backs
    # Before the workers start: six typed interviews (invited in-process), then the sheet; all of it then waits
    # in the queues — the chunks and cards, the answers' scoring, the reports and their result cards.
    links = [invite_member(stack, f"m{i}") for i in range(interviews)]
    upload(stack, sheet([member_row(i) for i in range(total)]), "名单.csv")
    for link in links:
        take_interview(stack, link)
    logs = [stack.settings.data_dir / f"worker-{n}.log" for n in (1, 2)]
    workers = [subprocess.Popen([sys.executable, "-m", "jobs.worker", "commands", "delivery", "scoring"], cwd=REPO,
                                stdout=path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
               for path in logs]
    try:
        def cards() -> Counter:
            with stack.sandbox_app.app_context():
                state = sandbox_state()
                with state.lock:
                    return Counter(user for user, entries in state.timeline.items()
                                   for e in entries if e.get("msgtype") == "template_card")

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for proc, path in zip(workers, logs, strict=True):
                assert proc.poll() is None, path.read_text()[-3000:]
            bulk.watch()  # what the scheduler does every 30 s: progress and the run's summary
            run = BulkRun.get_or_none()  # the sheet's import is a job too
            # the result card is queued just after its report commits: wait for all six, then for the outbox
            announced = OutboundMessage.select().where(OutboundMessage.purpose == "report_card",
                                                   OutboundMessage.idempotency_key.endswith(":card")).count()
            if (run and run.finished_at is not None and Report.select().count() == interviews
                    and announced == interviews
                    and not OutboundMessage.select().where(OutboundMessage.state.in_(("pending", "sending"))).count()):
                break
            time.sleep(1)
    finally:
        for proc in workers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers:
            proc.wait(30)
    seen = cards()
    expected = {f"c{i:05d}" for i in range(total)} | {f"m{i}" for i in range(interviews)}
    odd = [(c.id, c.wecom_userid, c.source) for c in Candidate.select() if c.wecom_userid not in expected]
    assert Invitation.select().count() == total + interviews, (odd, time.monotonic() > deadline)
    assert {u: n for u, n in seen.items() if u.startswith("c")} == {f"c{i:05d}": 1 for i in range(total)}
    assert all(seen[f"m{i}"] == 1 for i in range(interviews))  # the invitation card, once each
    assert Report.select().count() == interviews and AnswerAnalysis.select().count() == interviews * 6
    assert len(result_cards(stack, "hr_li")) == interviews  # one result card per interview
    assert stack.api("GET", "stats")["dropped"] == 0
    # Each RQ job ran once, on one of the two; both took part.
    done = [JOB_OK.search(line) for path in logs for line in path.read_text(errors="replace").splitlines()]
    by_job = Counter(m.group(2) for m in done if m)
    by_worker = Counter(m.group(1) for m in done if m)
    assert by_job and max(by_job.values()) == 1, [job for job, n in by_job.items() if n > 1][:5]
    assert len(by_worker) == 2 and min(by_worker.values()) >= 0.1 * sum(by_worker.values()), by_worker
    print(f"\n{sum(by_job.values())} jobs: {dict(by_worker)}")


def test_redis_through_sentinel(tmp_path):
    """REDIS_URL=redis+sentinel://…: a real redis-server and a real Sentinel (the same binary in sentinel mode);
    the client asks the Sentinel for the master and works through it."""
    import redis

    from bot.store.kv import connect, embedded_redis_binary, wait_for_redis
    from tests.conftest import free_port

    master_port, sentinel_port = free_port(), free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor interview 127.0.0.1 {master_port} 1\n")
    binary = str(embedded_redis_binary())
    procs = [subprocess.Popen([binary, "--port", str(master_port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL),
             subprocess.Popen([binary, str(conf), "--sentinel"], stdout=subprocess.DEVNULL)]
    try:
        wait_for_redis(redis.Redis(port=master_port))
        wait_for_redis(redis.Redis(port=sentinel_port))
        client = connect(f"redis+sentinel://127.0.0.1:{sentinel_port}/interview/3")
        deadline = time.monotonic() + 10
        while True:
            try:
                client.set("k", "v")
                break
            except redis.exceptions.ConnectionError:  # the Sentinel has not looked at the master yet
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert client.get("k") == b"v"
        assert redis.Redis(port=master_port, db=3).get("k") == b"v"  # it is the master, database 3
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
