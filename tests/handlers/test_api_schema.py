"""The open API tested against its own OpenAPI document with schemathesis, through the WSGI app (no network).

Schemathesis's engine (what its CLI runs) sends generated requests, valid and invalid, to every operation in
every phase — examples, coverage (boundaries, missing headers, undocumented methods), fuzzing, stateful
sequences — once with a full and once with a masked token, and applies its default checks: no 5xx; every
status, content type and header documented; responses matching their schemas; invalid data refused; valid data
not refused; auth enforced (no token, a wrong one); 405 with Allow for methods the document does not list.

The document cannot say a few business rules (dimension weights summing to 1, `by` naming an HR member, an
Idempotency-Key reused with another body), which answer 422 with their own codes; so valid data may get a 422,
but never one coded `invalid_request`, which would mean the code read the document differently from
schemathesis (schema_read_alike). The engine is used rather than schemathesis's pytest plugin, which does not
run under pytest 9 (it sets Node._nodeid).
"""
from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from schemathesis.engine import Status, events

from tests.support.h5 import take_interview

EXAMPLES = 25  # per operation and phase; the whole file stays well under a minute


@schemathesis.check
def schema_read_alike(ctx, response, case):
    """Valid data is never refused as a schema violation: the code and schemathesis read the document alike."""
    if case.meta is not None and case.meta.generation.mode.is_positive and response.status_code == 422:
        error = response.json()["error"]
        assert error["code"] != "invalid_request", f"valid data refused: {error}"


@pytest.fixture(autouse=True)
def _wsgi_probes(monkeypatch):
    """Work around schemathesis 4.32.5: the ignored_auth check's probes reach the WSGI transport with socket
    settings (max_redirects, verify, …) that werkzeug's test client refuses; the transport drops them only when
    it is handed a requests session, which the probes are not."""
    from schemathesis.transport.wsgi import WSGITransport

    send = WSGITransport.send

    def without_socket_settings(self, case, *, session=None, **kwargs):
        if session is None:
            for name in ("max_redirects", "verify", "cert", "proxies"):
                kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", without_socket_settings)


@pytest.fixture
def unthrottled(monkeypatch):
    """Thousands of requests a minute from one token: this test is about the document, not the rate limit."""
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "1000000")


@pytest.fixture
def seeded(unthrottled, stack):
    """The app with a full and a masked token and one scored interview (id 1), so reads find something real."""
    from bot.integrations.tokens import create_token

    tokens = {role: create_token(name, role)[1] for name, role in (("hr_li", "full"), ("viewer", "masked"))}
    client = stack.app.test_client()
    auth = {"Authorization": f"Bearer {tokens['full']}"}
    candidate = client.post("/api/v1/candidates", headers=auth, json={"name": "张三", "wecom_userid": "zhangsan"})
    invitation = client.post("/api/v1/invitations", headers=auth, json={"candidate_id": candidate.json["id"],
                                                                        "position": "teller"})
    stack.drain()
    take_interview(stack, invitation.json["link"])
    stack.drain()
    assert client.get("/api/v1/reports/1", headers=auth).status_code == 200
    return stack.app, tokens


def run(app, token: str) -> tuple[list[str], Counter]:
    """Run schemathesis over the whole document; return what failed (readable) and the requests per phase."""
    config = schemathesis.Config.from_dict({
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": EXAMPLES, "deterministic": True},
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    problems: list[str] = []
    sent: Counter = Counter()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            sent[str(event.phase)] += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                problems += [f"{event.recorder.label} [{event.phase}] {c.name}: {c.failure_info.failure.title}\n"
                             f"{c.failure_info.failure.message}\n{c.failure_info.code_sample}"
                             for c in checks if c.status == Status.FAILURE and c.failure_info is not None]
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"{getattr(event, 'label', 'engine')} [{getattr(event, 'phase', '')}]: "
                            f"{getattr(event, 'info', None) or event.exception}")
        elif isinstance(event, events.EngineFinished):
            problems += [f"{f.operation}: {f.title}\n{f.message}" for f in event.failures]
    return problems, sent


# The full token on both databases (types and dates come back from each differently); the masked one on SQLite:
# masking is the same code whatever stores the data.
@pytest.mark.parametrize("db_url, role", [("sqlite", "full"), ("postgres", "full"), ("sqlite", "masked")],
                         indirect=["db_url"])
def test_the_api_keeps_its_own_document(seeded, role):
    app, tokens = seeded
    problems, sent = run(app, tokens[role])
    assert not problems, f"{len(problems)} schemathesis failure(s):\n\n" + "\n\n".join(dict.fromkeys(problems))
    assert sum(sent.values()) > 300, sent  # the run really exercised the API
