"""Render the settings table as docs/configuration.md (`make docs`, or `python -m config.docs`)."""
from __future__ import annotations

import sys

from config.settings import derived_fields, entries

REGENERATE = "python -m config.docs > docs/configuration.md"

INTRO = f"""\
<!-- Generated from config/settings.py by `{REGENERATE}`; edit the table there, not this file. -->
# Configuration

Settings come from the environment; a `.env` file in the working directory is read too, and the environment
wins. Every value is parsed by a typed parser that stops the process with a message naming the variable when it
is malformed (`SettingsError`, printed by `make run` as `configuration error: …`). Nothing needs setting to try
the product: with no `WECOM_CORP_ID` it runs against the built-in WeCom sandbox.

Each variable is declared once, as a row of the `Settings` dataclass in `config/settings.py` (its parser, bounds,
default and the line below); the loader and this page are both built from those rows, and a test fails when this
page is stale.

To connect a real WeCom app: set the `WECOM_*` variables and `PUBLIC_BASE_URL`, expose `/wecom/callback` over
HTTPS, and enter that URL with the same Token and EncodingAESKey in the app's "接收消息" settings; WeCom's GET
verification is answered automatically.

Positions are not configured here: they live in `config/positions/*.yaml` (question bank, rubric, timings, answer
modes, face analysis, weights, score bands, language, materials, `next_round`), and `make seed` (part of
`make run`) inserts or updates them in place.
"""

NOTES = """\
## Sandbox mode

With `WECOM_CORP_ID` unset the product talks to the built-in WeCom sandbox (`make run` starts it on
`SANDBOX_PORT`):

- the corp credentials (`WECOM_CORP_ID`, `WECOM_AGENT_ID`, `WECOM_SECRET`, `WECOM_TOKEN`, `WECOM_AES_KEY`) are
  generated once into `$DATA_DIR/sandbox_credentials.json`, and any set in the environment are ignored;
- `WECOM_API_BASE` and `WECOM_OAUTH_URL` default to the sandbox's own pages on `127.0.0.1:$SANDBOX_PORT`;
- `HR_USERIDS`, `HR_VIEWERS` and `ADMIN_USERIDS` default to the sandbox's demo members (a recruiter pair, a hiring
  manager, a data-protection admin), so every role can be tried from the sandbox console. Set one empty
  (`HR_USERIDS=`) to give nobody that role.

With `WECOM_CORP_ID` set, the other four `WECOM_*` credentials are required and the role lists default to empty.

## Secrets generated into DATA_DIR

Unless given, secrets are generated on first start and kept in `DATA_DIR`, so restarts and every process on the
machine share them. A generated file is per machine and only fits a single-host install: on several hosts give
every host the same values through the environment.

- `secret_key` (mode 600) stands for `SECRET_KEY`, which signs invitation links: a new one voids the links sent;
- `recording_keys` (mode 600) stands for `RECORDING_KEYS`, which seal recordings and ID numbers at rest: back it
  up with the data, since what it sealed cannot be opened without it. To rotate, copy its `k1:…` into
  `RECORDING_KEYS` and add a new key as docs/privacy-and-security.md ("Rotating the key") says;
- `sandbox_credentials.json` holds the sandbox's corp credentials and its SMS keys (sandbox mode only).

## Read elsewhere

`WEB_BIND`, `WEB_WORKERS`, `WEB_THREADS` and `WEB_ACCESS_LOG` tune gunicorn (`config/gunicorn.py`); object-storage
credentials are read by boto3 the usual way (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, …);
`TEST_REDIS_URL` and `TEST_POSTGRES_URL` are read by the tests only.
"""


def _cell(text: str) -> str:
    """Escape text for one cell of a Markdown table."""
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def render() -> str:
    """Return docs/configuration.md as generated from the settings table."""
    lines = [INTRO, "| variable | type | default | bounds / choices | what it does |", "|---|---|---|---|---|"]
    for entry in entries():
        blank = "; empty counts as unset" if entry.blank_is_unset else ""
        cells = [f"`{entry.env}`", entry.parser.kind, entry.default_text() + blank, entry.parser.limits(), entry.doc]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines += ["", "Two attributes of `Settings` follow from these rows rather than from a variable of their own:", ""]
    lines += [f"- `{name}`: {doc}" for name, doc in derived_fields().items()]
    lines.append("")
    return "\n".join(lines) + "\n" + NOTES


def main(argv: list[str]) -> int:
    """Print the configuration page; say how to call this when given arguments."""
    if argv:
        print(f"usage: {REGENERATE}", file=sys.stderr)
        return 2
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
