"""Settings from the environment, parsed by small typed parsers that fail loudly on garbage.

With no WECOM_CORP_ID the product runs against the built-in WeCom sandbox: credentials for it are
generated once into the data folder, and the API base points at the sandbox's port.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

REAL_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
# Models live beside the code, not under DATA_DIR: tests with a temporary DATA_DIR share the one set-up folder.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
SANDBOX_HR_USERIDS = "hr_li,hr_wang"
SANDBOX_HR_VIEWERS = "mgr_zhao"  # a hiring manager: reads reports with personal data masked
SANDBOX_ADMINS = "admin_sun"  # the data-protection admin: audit log, erasure, everything unmasked
REAL_OAUTH_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def parse_int(name: str, raw: str, *, low: int | None = None, high: int | None = None) -> int:
    """Parse a whole number, optionally bounded."""
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_bool(name: str, raw: str) -> bool:
    """Parse 1/0, true/false, yes/no, on/off."""
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    """Parse one of a few fixed words."""
    value = raw.strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return value


def parse_url(name: str, raw: str, *, schemes: tuple[str, ...], trailing_slash: bool = False) -> str:
    """Parse a URL with one of the given schemes."""
    value = raw.strip()
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise SettingsError(f"{name} must be a {'/'.join(schemes)} URL, got {raw!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def parse_list(name: str, raw: str) -> frozenset[str]:
    """Parse a comma-separated list of WeCom userids."""
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for item in items:
        if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,64}", item):
            raise SettingsError(f"{name} holds an invalid userid {item!r}")
    return frozenset(items)


def parse_token(name: str, raw: str) -> str:
    """Parse the callback Token: 1-32 letters or digits."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,32}", raw):
        raise SettingsError(f"{name} must be 1-32 letters or digits")
    return raw


def parse_aes_key(name: str, raw: str) -> str:
    """Parse an EncodingAESKey: 43 base64 characters that decode to 32 bytes."""
    if len(raw) != 43:
        raise SettingsError(f"{name} must be 43 characters long, got {len(raw)}")
    try:
        key = base64.b64decode(raw + "=", validate=True)
    except binascii.Error:
        raise SettingsError(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise SettingsError(f"{name} must decode to 32 bytes")
    return raw


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    sandbox: bool
    wecom_corp_id: str
    wecom_agent_id: int
    wecom_secret: str
    wecom_token: str
    wecom_aes_key: str
    wecom_api_base: str
    public_base_url: str
    database_url: str
    redis_url: str
    redis_embedded: bool
    secret_key: str
    hr_userids: frozenset[str]
    web_port: int = 8000
    sandbox_port: int = 8001
    company_name: str = "示例银行"
    callback_max_age: int = 300
    invitation_ttl_days: int = 7
    models_dir: Path = DEFAULT_MODELS_DIR
    whisper_model: Path = DEFAULT_MODELS_DIR / "whisper-base"
    face_expression: bool = False
    scoring_threads: int = 2
    whisper_device: str = "cpu"
    hr_locale: str = "zh-CN"
    digest_hour: int = 9
    reminder_hours: int = 24
    hr_viewers: frozenset[str] = frozenset()
    oauth_url: str = REAL_OAUTH_URL
    pool_retention_days: int = 365
    admin_userids: frozenset[str] = frozenset()
    hr_leads: frozenset[str] = frozenset()
    # (key id, 32-byte AES key), the first one seals new recordings; the others only open older ones
    recording_keys: tuple[tuple[str, bytes], ...] = ()
    storage_url: str = ""  # "" → recordings under DATA_DIR; s3://bucket/prefix → S3-compatible object storage
    s3_endpoint_url: str = ""
    recording_retention_days: int = 180
    personal_data_retention_days: int = 365
    rate_limit_per_minute: int = 600  # requests per client address per minute on the H5, HR and API routes
    proxy_hops: int = 0  # how many reverse proxies (nginx) stand in front and set X-Forwarded-For
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def recruiters(self) -> frozenset[str]:
        """Who may run recruiter commands in chat and decide: HR_USERIDS and HR_LEADS."""
        return self.hr_userids | self.hr_leads

    @property
    def redis_socket(self) -> Path:
        return self.data_dir / "redis.sock"


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _recording_keys(name: str, raw: str, data_dir: Path) -> tuple[tuple[str, bytes], ...]:
    """RECORDING_KEYS "k2:<base64 of 32 bytes>,k1:<…>" (newest first); unset → one key generated into DATA_DIR."""
    if not raw.strip():
        path = data_dir / "recording_keys"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write("k1:" + base64.b64encode(secrets.token_bytes(32)).decode())
        raw = path.read_text().strip()
    keys: list[tuple[str, bytes]] = []
    for item in raw.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", key_id):
            raise SettingsError(f"{name} must be id:base64key pairs separated by commas (ids: letters, digits, _ -)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise SettingsError(f"{name}: key {key_id} is not base64") from None
        if len(key) != 32:
            raise SettingsError(f"{name}: key {key_id} must decode to 32 bytes (AES-256)")
        if key_id in dict(keys):
            raise SettingsError(f"{name}: key id {key_id} appears twice")
        keys.append((key_id, key))
    return tuple(keys)


def _sandbox_credentials(data_dir: Path) -> dict[str, str]:
    """Generate the sandbox's corp credentials once and keep them in the data folder."""
    path = data_dir / "sandbox_credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    alphabet = string.ascii_letters + string.digits
    creds = {
        "WECOM_CORP_ID": "wwsandbox" + secrets.token_hex(5),
        "WECOM_AGENT_ID": "1000002",
        "WECOM_SECRET": secrets.token_urlsafe(32),
        "WECOM_TOKEN": "".join(secrets.choice(alphabet) for _ in range(32)),
        "WECOM_AES_KEY": base64.b64encode(secrets.token_bytes(32)).decode()[:43],
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(creds, indent=2))
    return creds


def load(environ: Mapping[str, str] | None = None, *, dotenv: str | None = ".env") -> Settings:
    """Build Settings from the environment (and a .env file when present); raise SettingsError."""
    env: dict[str, str] = {}
    if dotenv and Path(dotenv).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    data_dir = Path(env.get("DATA_DIR", "data")).resolve()
    web_port = parse_int("WEB_PORT", env.get("WEB_PORT", "8000"), low=1, high=65535)
    sandbox_port = parse_int("SANDBOX_PORT", env.get("SANDBOX_PORT", "8001"), low=1, high=65535)
    sandbox = not env.get("WECOM_CORP_ID")
    if sandbox:
        wecom = _sandbox_credentials(data_dir)
        api_base_default = f"http://127.0.0.1:{sandbox_port}/cgi-bin/"
        oauth_default = f"http://127.0.0.1:{sandbox_port}/connect/oauth2/authorize"
    else:
        missing = [n for n in ("WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY") if not env.get(n)]
        if missing:
            raise SettingsError(f"WECOM_CORP_ID is set, so these are needed too: {', '.join(missing)}")
        wecom = env
        api_base_default = REAL_API_BASE
        oauth_default = REAL_OAUTH_URL

    corp_id = wecom["WECOM_CORP_ID"].strip()
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", corp_id):
        raise SettingsError("WECOM_CORP_ID must be letters and digits")
    redis_url = env.get("REDIS_URL", "")
    models_dir = Path(env.get("MODELS_DIR") or DEFAULT_MODELS_DIR).resolve()
    return Settings(
        data_dir=data_dir,
        sandbox=sandbox,
        wecom_corp_id=corp_id,
        wecom_agent_id=parse_int("WECOM_AGENT_ID", wecom["WECOM_AGENT_ID"], low=1),
        wecom_secret=wecom["WECOM_SECRET"],
        wecom_token=parse_token("WECOM_TOKEN", wecom["WECOM_TOKEN"]),
        wecom_aes_key=parse_aes_key("WECOM_AES_KEY", wecom["WECOM_AES_KEY"]),
        wecom_api_base=parse_url(
            "WECOM_API_BASE", env.get("WECOM_API_BASE", api_base_default),
            schemes=("http", "https"), trailing_slash=True,
        ),
        public_base_url=parse_url(
            "PUBLIC_BASE_URL", env.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{web_port}"),
            schemes=("http", "https"),
        ).rstrip("/"),
        database_url=parse_url(
            "DATABASE_URL", env.get("DATABASE_URL", f"sqlite:///{data_dir / 'interview.db'}"),
            schemes=("sqlite", "postgres", "postgresql", "postgresext", "postgresqlext"),
        ),
        redis_url=parse_url("REDIS_URL", redis_url, schemes=("redis", "rediss", "unix", "redis+sentinel"))
        if redis_url else f"unix://{data_dir / 'redis.sock'}",
        redis_embedded=not redis_url,
        secret_key=env.get("SECRET_KEY") or _secret_key(data_dir),
        hr_userids=parse_list("HR_USERIDS", env.get("HR_USERIDS", SANDBOX_HR_USERIDS if sandbox else "")),
        hr_viewers=parse_list("HR_VIEWERS", env.get("HR_VIEWERS", SANDBOX_HR_VIEWERS if sandbox else "")),
        oauth_url=parse_url("WECOM_OAUTH_URL", env.get("WECOM_OAUTH_URL", oauth_default), schemes=("http", "https")),
        pool_retention_days=parse_int("POOL_RETENTION_DAYS", env.get("POOL_RETENTION_DAYS", "365"), low=1,
                                      high=3650),
        admin_userids=parse_list("ADMIN_USERIDS", env.get("ADMIN_USERIDS", SANDBOX_ADMINS if sandbox else "")),
        hr_leads=parse_list("HR_LEADS", env.get("HR_LEADS", "")),
        recording_keys=_recording_keys("RECORDING_KEYS", env.get("RECORDING_KEYS", ""), data_dir),
        storage_url=parse_url("STORAGE_URL", env["STORAGE_URL"], schemes=("s3",)) if env.get("STORAGE_URL") else "",
        s3_endpoint_url=parse_url("S3_ENDPOINT_URL", env["S3_ENDPOINT_URL"], schemes=("http", "https"))
        if env.get("S3_ENDPOINT_URL") else "",
        recording_retention_days=parse_int("RECORDING_RETENTION_DAYS", env.get("RECORDING_RETENTION_DAYS", "180"),
                                           low=1, high=3650),
        personal_data_retention_days=parse_int(
            "PERSONAL_DATA_RETENTION_DAYS", env.get("PERSONAL_DATA_RETENTION_DAYS", "365"), low=1, high=3650),
        rate_limit_per_minute=parse_int("RATE_LIMIT_PER_MINUTE", env.get("RATE_LIMIT_PER_MINUTE", "600"), low=10,
                                        high=1_000_000),
        proxy_hops=parse_int("PROXY_HOPS", env.get("PROXY_HOPS", "0"), low=0, high=5),
        web_port=web_port,
        sandbox_port=sandbox_port,
        company_name=env.get("COMPANY_NAME", "示例银行").strip() or "示例银行",
        callback_max_age=parse_int("CALLBACK_MAX_AGE", env.get("CALLBACK_MAX_AGE", "300"), low=10, high=86400),
        invitation_ttl_days=parse_int("INVITATION_TTL_DAYS", env.get("INVITATION_TTL_DAYS", "7"), low=1, high=90),
        models_dir=models_dir,
        whisper_model=Path(env.get("WHISPER_MODEL") or models_dir / "whisper-base").resolve(),
        face_expression=parse_bool("FACE_EXPRESSION", env.get("FACE_EXPRESSION", "false")),
        whisper_device=parse_choice("WHISPER_DEVICE", env.get("WHISPER_DEVICE", "cpu"), ("cpu", "cuda")),
        hr_locale=parse_choice("HR_LOCALE", env.get("HR_LOCALE", "zh-CN"), ("zh-cn", "en")).replace("zh-cn", "zh-CN"),
        digest_hour=parse_int("DIGEST_HOUR", env.get("DIGEST_HOUR", "9"), low=0, high=23),
        reminder_hours=parse_int("REMINDER_HOURS", env.get("REMINDER_HOURS", "24"), low=1, high=24 * 14),
        scoring_threads=parse_int("SCORING_THREADS", env.get("SCORING_THREADS", str(min(os.cpu_count() or 1, 8))),
                                  low=1, high=64),
    )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, loaded once."""
    return load()
