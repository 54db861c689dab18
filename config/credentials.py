"""The sandbox's credentials: generated once into DATA_DIR/sandbox_credentials.json (mode 600) and read by every
process of `make run`, so the product and its sandbox agree on them."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import string
from collections.abc import Callable
from pathlib import Path


def sandbox_credentials(data_dir: Path) -> dict[str, str]:
    """Generate the sandbox's credentials once and keep them in the data folder. A file written before a
    credential existed (the SMS keys came later) gets the missing ones added, so what it held stays valid."""
    path = data_dir / "sandbox_credentials.json"
    if path.exists():
        creds = json.loads(path.read_text())
        if not _SANDBOX_CREDENTIALS.keys() - creds.keys():
            return creds
    data_dir.mkdir(parents=True, exist_ok=True)
    # Every process of `make run` starts at once: one lock, so they all end up with the same generated values.
    with open(data_dir / "sandbox_credentials.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        creds = json.loads(path.read_text()) if path.exists() else {}
        missing = {name: make() for name, make in _SANDBOX_CREDENTIALS.items() if name not in creds}
        if missing:
            creds.update(missing)
            partial = path.with_name(path.name + ".new")
            partial.unlink(missing_ok=True)
            # the sandbox's secrets: the owner's only
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(json.dumps(creds, indent=2))
            os.replace(partial, path)
    return creds


_ALPHANUMERIC = string.ascii_letters + string.digits
_SANDBOX_CREDENTIALS: dict[str, Callable[[], str]] = {
    "WECOM_CORP_ID": lambda: "wwsandbox" + secrets.token_hex(5),
    "WECOM_AGENT_ID": lambda: "1000002",
    "WECOM_SECRET": lambda: secrets.token_urlsafe(32),
    "WECOM_TOKEN": lambda: "".join(secrets.choice(_ALPHANUMERIC) for _ in range(32)),
    "WECOM_AES_KEY": lambda: base64.b64encode(secrets.token_bytes(32)).decode()[:43],
    "SMS_SECRET_ID": lambda: "AKIDsandbox" + secrets.token_hex(12),
    "SMS_SECRET_KEY": lambda: secrets.token_urlsafe(24),
}
