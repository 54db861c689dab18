"""Print what `make run` is about to start, or (with --processes) honcho's arguments: the Procfile processes to start.

The scorer runs SCORER_PROCESSES times (honcho's `-c scorer=N`): one process per core, one Whisper thread each,
scores more interviews per core-hour than one process using every core (docs/scoring.md#throughput).
"""
from __future__ import annotations

import sys

from config.settings import EXAMPLE_ORGANISATION, SettingsError, get_settings
from scoring import media


def main() -> int:
    """Print the run mode and the URLs people open."""
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if "--processes" in sys.argv:
        names = ["redis", "web", "dispatcher", "worker", "scorer", "scheduler"]
        names += ["sandbox"] if settings.sandbox else []
        print(f"-c scorer={settings.scorer_processes} " + " ".join(names))
        return 0
    try:  # the web process reads every recording with PyAV: say so now, not on the first answer
        media.require_codecs()
    except RuntimeError as exc:
        print(f"cannot start: recordings could not be read ({exc})", file=sys.stderr)
        return 1
    base = f"http://127.0.0.1:{settings.web_port}"
    print("面试助手 is starting:")
    mode = "built-in WeCom sandbox" if settings.sandbox else f"WeCom corp {settings.wecom_corp_id}"
    print(f"  mode            {mode}")
    print(f"  database        {settings.database_url.split('@')[-1]}")
    print(f"  redis           {'embedded, ' if settings.redis_embedded else ''}{settings.redis_url.split('@')[-1]}")
    print(f"  callback        {base}/wecom/callback")
    print(f"  health          {base}/healthz")
    print(f"  HR pages        {settings.public_base_url}/hr/   (reports, compare, dashboards, talent pool)")
    print(f"  open API        {settings.public_base_url}/api/v1/openapi.json")
    print("                  (a token: .venv/bin/python -m jobs.cli token create NAME --role full|masked)")
    if settings.sandbox:
        print(f"  sandbox console http://127.0.0.1:{settings.sandbox_port}/console   <- open this")
        print(f"  try: as {sorted(settings.hr_userids)[0]}, type  /invite 柜员 zhangsan")
        if settings.organisation_file == EXAMPLE_ORGANISATION:
            print(f"  branches        {EXAMPLE_ORGANISATION} (sign in to the HR pages as bj_zhou or sh_chen)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
