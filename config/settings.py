"""Settings from the environment, declared once: each field of `Settings` is a row of the settings table.

A row names the environment variable, its parser (which holds the bounds and raises on garbage), its default
(text handed to the same parser, possibly computed from earlier rows or the sandbox mode) and a one-line doc.
`load()` walks the rows in order; `python -m config.docs` renders them as docs/configuration.md.

With no WECOM_CORP_ID the product runs against the built-in WeCom sandbox: credentials for it are
generated once into the data folder, and the API base points at the sandbox's port.
"""
from __future__ import annotations

import base64
import functools
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from config.credentials import sandbox_credentials
from config.delivery import DEFAULT_CHANNELS, KINDS, SMS_CAPABLE, parse_channels, parse_email_kinds, parse_sms_kinds
from config.parsers import (
    Bool,
    Choice,
    Folder,
    Hosts,
    Int,
    Pattern,
    SettingsError,
    Text,
    Url,
    UserIds,
    parse_aes_key,
    parse_bool,
    parse_choice,
    parse_corp_id,
    parse_int,
    parse_list,
    parse_recording_keys,
    parse_token,
    parse_url,
)
from config.sms import (
    SANDBOX_SMS_APP_ID,
    SANDBOX_SMS_TEMPLATES,
    SMS_API_RATES,
    SMS_ENDPOINTS,
    SMS_KINDS,
    check_sms,
    parse_region,
    parse_sms_app_id,
    parse_sms_endpoint,
    parse_sms_provider,
    parse_sms_templates,
)
from config.table import Derived, Entry, derived, row, table_derived, table_rows

__all__ = [
    "DEFAULT_MODELS_DIR", "EXAMPLE_ORGANISATION", "REAL_API_BASE", "REAL_OAUTH_URL", "SANDBOX_ADMINS",
    "SANDBOX_HR_USERIDS",
    "SANDBOX_HR_VIEWERS", "SMS_ENDPOINTS", "SMS_KINDS", "Derived", "Entry", "Settings", "SettingsError",
    "derived_fields", "entries",
    "get_settings", "load", "parse_aes_key", "parse_bool", "parse_choice", "parse_int", "parse_list", "parse_token",
    "parse_url",
]

REAL_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
# Models live beside the code, not under DATA_DIR: tests with a temporary DATA_DIR share the one set-up folder.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "data" / "models"
SANDBOX_HR_USERIDS = "hr_li,hr_wang"
SANDBOX_HR_VIEWERS = "mgr_zhao"  # a hiring manager: reads reports with personal data masked
EXAMPLE_ORGANISATION = "config/organisation.example.yaml"  # relative paths are read from the repository root
SANDBOX_ADMINS = "admin_sun"  # the data-protection admin: audit log, erasure, everything unmasked
REAL_OAUTH_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"


def _secret_file(data_dir: Path, name: str, make: Callable[[], str]) -> str:
    """Read DATA_DIR/name, writing make() there first (mode 600) when it is missing."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def _sandbox_sms_key(name: str) -> Callable[[Mapping[str, Any]], str]:
    """Default an SMS key to the sandbox's generated one (in sandbox mode with SMS on); otherwise empty."""
    return lambda v: sandbox_credentials(v["data_dir"])[name] if v["sandbox"] and v["sms_provider"] else ""


def _sandboxed(real: str, sandbox_path: str) -> Callable[[Mapping[str, Any]], str]:
    """Default to `real`, or in sandbox mode to the sandbox's own port plus `sandbox_path`."""
    return lambda v: f"http://127.0.0.1:{v['sandbox_port']}{sandbox_path}" if v["sandbox"] else real


def _new_secret_key() -> str:
    return secrets.token_urlsafe(48)


def _new_recording_key() -> str:
    return "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()


_HTTP = ("http", "https")
_DAYS = Int(1, 3650)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The product's settings: each field is a row of the table, worked out from rows (derived), or `extra`."""

    # Rows are read top to bottom, so a computed default may use any row above it.
    data_dir: Path = row("DATA_DIR", Folder(), "data",
                         "where the SQLite file, embedded Redis, secret keys and sandbox credentials live")
    sandbox: bool = derived("true when `WECOM_CORP_ID` is unset: the product talks to the built-in WeCom sandbox")
    web_port: int = row("WEB_PORT", Int(1, 65535), "8000", "local port of the web process (gunicorn binds it)")
    sandbox_port: int = row("SANDBOX_PORT", Int(1, 65535), "8001", "local port of the built-in WeCom sandbox")
    wecom_corp_id: str = row(
        "WECOM_CORP_ID", Pattern(parse_corp_id, "1–64 letters or digits"), None,
        "your CorpID; unset, the product runs against the built-in sandbox with credentials generated once into "
        "`$DATA_DIR/sandbox_credentials.json`", shown="*(unset → sandbox mode)*", sandbox_generated=True)
    wecom_agent_id: int = row("WECOM_AGENT_ID", Int(1), None, "the self-built app's AgentId (required with a CorpID)",
                              shown="sandbox: `1000002`", sandbox_generated=True)
    wecom_secret: str = row("WECOM_SECRET", Text(kind="secret"), None, "the app's Secret (required with a CorpID)",
                            shown="sandbox: generated", sandbox_generated=True)
    wecom_token: str = row("WECOM_TOKEN", Pattern(parse_token, "1–32 letters or digits"), None,
                           "the receive URL's Token (required with a CorpID)",
                           shown="sandbox: generated", sandbox_generated=True)
    wecom_aes_key: str = row("WECOM_AES_KEY", Pattern(parse_aes_key, "43 base64 characters (32 bytes)"), None,
                             "the receive URL's EncodingAESKey (required with a CorpID)",
                             shown="sandbox: generated", sandbox_generated=True)
    wecom_api_base: str = row(
        "WECOM_API_BASE", Url(_HTTP, trailing_slash=True), _sandboxed(REAL_API_BASE, "/cgi-bin/"),
        "where API calls go (a proxy, or the sandbox); a missing trailing `/` is added",
        shown=f"`{REAL_API_BASE}` (sandbox: `http://127.0.0.1:$SANDBOX_PORT/cgi-bin/`)")
    oauth_url: str = row(
        "WECOM_OAUTH_URL", Url(_HTTP), _sandboxed(REAL_OAUTH_URL, "/connect/oauth2/authorize"),
        "where HR pages send members to sign in", shown=f"`{REAL_OAUTH_URL}` (sandbox: its own page)")
    public_base_url: str = row(
        "PUBLIC_BASE_URL", Url(_HTTP, no_trailing_slash=True), lambda v: f"http://127.0.0.1:{v['web_port']}",
        "the externally reachable base of links in cards (the H5 page, HR pages, the open API)",
        shown="`http://127.0.0.1:$WEB_PORT`")
    database_url: str = row(
        "DATABASE_URL", Url(("sqlite", "postgres", "postgresql", "postgresext", "postgresqlext")),
        lambda v: f"sqlite:///{v['data_dir'] / 'interview.db'}",
        "a `playhouse.db_url` URL; `postgresql://user:pw@host/db` for production",
        shown="`sqlite:///$DATA_DIR/interview.db`")
    redis_url: str = row(
        "REDIS_URL", Url(("redis", "rediss", "unix", "redis+sentinel")),
        lambda v: f"unix://{v['data_dir'] / 'redis.sock'}",
        "`redis://host:6379/0`, `rediss://…`, `unix:///path`, or "
        "`redis+sentinel://[:pw@]s1:26379,s2:26379/<master>/<db>`",
        shown="*(unset → embedded Redis on `$DATA_DIR/redis.sock`)*", blank_is_unset=True)
    redis_embedded: bool = derived("true when `REDIS_URL` is unset: `make run` starts Redis on `DATA_DIR`'s socket")
    secret_key: str = row(
        "SECRET_KEY", Text(kind="secret"), lambda v: _secret_file(v["data_dir"], "secret_key", _new_secret_key),
        "signs the candidates' invitation links", shown="generated once into `$DATA_DIR/secret_key` (mode 600)",
        blank_is_unset=True)
    hr_userids: frozenset[str] = row(
        "HR_USERIDS", UserIds(), lambda v: SANDBOX_HR_USERIDS if v["sandbox"] else "",
        "WeCom userids allowed to run recruiter commands and decide",
        shown=f"sandbox: `{SANDBOX_HR_USERIDS}`; otherwise empty")
    hr_leads: frozenset[str] = row("HR_LEADS", UserIds(), "",
                                   "HR leads: a recruiter's rights, ID numbers unmasked, the audit log")
    hr_viewers: frozenset[str] = row(
        "HR_VIEWERS", UserIds(), lambda v: SANDBOX_HR_VIEWERS if v["sandbox"] else "",
        "WeCom userids who may read reports with personal data masked (no recordings, no decisions)",
        shown=f"sandbox: `{SANDBOX_HR_VIEWERS}`; otherwise empty")
    admin_userids: frozenset[str] = row(
        "ADMIN_USERIDS", UserIds(), lambda v: SANDBOX_ADMINS if v["sandbox"] else "",
        "data-protection admins: everything unmasked, the audit log, erasing a candidate",
        shown=f"sandbox: `{SANDBOX_ADMINS}`; otherwise empty")
    organisation_file: str = row(
        "ORGANISATION_FILE", Text(strip=True), lambda v: EXAMPLE_ORGANISATION if v["sandbox"] else "",
        "a YAML file of organisation units (总行 → 分行 → 支行) and who recruits, leads and interviews in each; "
        "`python -m jobs.cli org sync` loads it ([organisation.md](organisation.md))",
        shown=f"sandbox: `{EXAMPLE_ORGANISATION}`; otherwise none (every position at the root)", blank_is_unset=True)
    organisation_source: str = row(
        "ORGANISATION_SOURCE", Choice(("file", "wecom")), "file",
        "where organisation units come from: `file` (ORGANISATION_FILE) or `wecom` (WeCom's departments, with the "
        "global lists placing each member in their departments; [organisation.md](organisation.md))")
    company_name: str = row("COMPANY_NAME", Text(strip=True), "示例银行", "the company named in cards and pages",
                            blank_is_unset=True)
    hr_locale: str = row(
        "HR_LOCALE", Choice(("zh-CN", "en")), "zh-CN",
        "the language of HR's messages and cards; candidates get the language they used on the page")
    sandbox_smtp_port: int = row("SANDBOX_SMTP_PORT", Int(1, 65535), "8025",
                                 "local port of the sandbox's SMTP server (its mailboxes are in the console)")
    smtp_host: str = row(
        "SMTP_HOST", Text(strip=True), lambda v: "127.0.0.1" if v["sandbox"] else "",
        "the mail server candidates' e-mails go through; empty: no e-mail is sent",
        shown="sandbox: `127.0.0.1` (the sandbox's SMTP server); otherwise empty (no e-mail)", blank_is_unset=True)
    smtp_port: int = row("SMTP_PORT", Int(1, 65535),
                         lambda v: str(v["sandbox_smtp_port"]) if v["sandbox"] and v["smtp_host"] == "127.0.0.1"
                         else "587", "the mail server's port (587 STARTTLS, 465 SSL)",
                         shown="`587` (sandbox: `$SANDBOX_SMTP_PORT`)")
    smtp_security: str = row(
        "SMTP_SECURITY", Choice(("starttls", "ssl", "none")),
        lambda v: "none" if v["sandbox"] and v["smtp_host"] == "127.0.0.1" else "starttls",
        "how the connection is protected: `starttls`, `ssl` (implicit TLS) or `none` (a relay on this machine only)",
        shown="`starttls` (sandbox: `none`)")
    smtp_user: str = row("SMTP_USER", Text(strip=True), "", "the mail server's login (empty: no AUTH)")
    smtp_password: str = row("SMTP_PASSWORD", Text(kind="secret"), "", "the mail server's password",
                             blank_is_unset=True)
    mail_from: str = row(
        "MAIL_FROM", Text(strip=True), lambda v: "recruiting@sandbox.example" if v["sandbox"] else "",
        "the From address of candidates' e-mails (a mailbox HR reads: replies come back to it)",
        shown="sandbox: `recruiting@sandbox.example`; otherwise empty (required with SMTP_HOST)", blank_is_unset=True)
    mail_rate: int = row(
        "MAIL_RATE", Int(1, 100_000), "30",
        "e-mails a minute handed to the SMTP server for the whole deployment; more wait and go later, never lost. "
        "Servers' limits vary by provider and plan: 30 is Exchange Online's SMTP submission limit per mailbox; set "
        "your server's ([messaging.md](messaging.md#e-mail))")
    sms_provider: str = row(
        "SMS_PROVIDER", Pattern(parse_sms_provider, "`tencent`, `aliyun`, empty", kind="choice"),
        lambda v: "tencent" if v["sandbox"] else "",
        "who sends candidates' SMS: `tencent` (Tencent Cloud SMS) or `aliyun` (Alibaba Cloud SMS); empty: no SMS "
        "([sms.md](sms.md))", shown="sandbox: `tencent` (the sandbox's fake of it); otherwise empty (no SMS)")
    sms_endpoint: str = row(
        "SMS_ENDPOINT", Pattern(parse_sms_endpoint, "`http(s)://host[:port]`, no path"),
        lambda v: "" if not v["sms_provider"]
        else f"http://127.0.0.1:{v['sandbox_port']}" if v["sandbox"] else SMS_ENDPOINTS[v["sms_provider"]],
        "where the provider's API is called (a proxy, or the sandbox, which fakes both providers)",
        shown="`https://sms.tencentcloudapi.com` or `https://dysmsapi.aliyuncs.com` "
        "(sandbox: `http://127.0.0.1:$SANDBOX_PORT`)", blank_is_unset=True)
    sms_secret_id: str = row(
        "SMS_SECRET_ID", Text(strip=True), _sandbox_sms_key("SMS_SECRET_ID"),
        "Tencent: the API key's SecretId; Alibaba: the AccessKey ID (a RAM user with SMS rights only)",
        shown="sandbox: generated into `$DATA_DIR/sandbox_credentials.json`; otherwise empty", blank_is_unset=True)
    sms_secret_key: str = row(
        "SMS_SECRET_KEY", Text(kind="secret"), _sandbox_sms_key("SMS_SECRET_KEY"),
        "Tencent: the SecretKey; Alibaba: the AccessKey secret",
        shown="sandbox: generated into `$DATA_DIR/sandbox_credentials.json`; otherwise empty", blank_is_unset=True)
    sms_app_id: str = row(
        "SMS_APP_ID", Pattern(parse_sms_app_id, "digits"),
        lambda v: SANDBOX_SMS_APP_ID if v["sandbox"] and v["sms_provider"] == "tencent" else "",
        "Tencent's SmsSdkAppId (the SMS application); Alibaba has none",
        shown=f"sandbox with Tencent: `{SANDBOX_SMS_APP_ID}`; otherwise empty", blank_is_unset=True)
    sms_sign_name: str = row(
        "SMS_SIGN_NAME", Text(strip=True), lambda v: v["company_name"] if v["sandbox"] else "",
        "the approved signature the carriers show as 【…】 before every SMS (usually the company's name)",
        shown="sandbox: `$COMPANY_NAME`; otherwise empty", blank_is_unset=True)
    sms_templates: tuple[tuple[str, str], ...] = row(
        "SMS_TEMPLATES", Pattern(parse_sms_templates, "`kind=template_id,…`; kinds: " + ", ".join(SMS_KINDS)),
        lambda v: SANDBOX_SMS_TEMPLATES.get(v["sms_provider"], "") if v["sandbox"] else "",
        "the approved template of each kind of SMS (the texts to request are in [sms.md](sms.md)); a kind without "
        "one is not sent by SMS", shown="sandbox: one per kind; otherwise empty", blank_is_unset=True)
    sms_region: str = row("SMS_REGION", Pattern(parse_region, "a region name"), "ap-guangzhou",
                          "Tencent's API region (Alibaba's endpoint is enough)", blank_is_unset=True)
    sms_daily_limit: int = row(
        "SMS_DAILY_LIMIT", Int(1, 1000), "10",
        "SMS the product sends one number in any 24 hours; more wait (below the providers' own limits: Alibaba "
        "50 a day per signature and template, Tencent's set in its console)")
    sms_rate: int = row(
        "SMS_RATE", Int(1, 100_000), lambda v: str(SMS_API_RATES.get(v["sms_provider"], SMS_API_RATES["tencent"])),
        "SendSms calls a second for the whole deployment, counted in Redis before the provider is asked (more wait "
        "and go later, never lost); the default is the provider's documented API rate ([sms.md](sms.md#sending-rate))",
        shown="the provider's documented rate: `3000` (Tencent), `5000` (Alibaba)")
    callback_max_age: int = row(
        "CALLBACK_MAX_AGE", Int(10, 86400), "300",
        "seconds a callback's timestamp may differ from ours before it is refused as stale")
    invitation_ttl_days: int = row(
        "INVITATION_TTL_DAYS", Int(1, 90), "7",
        "default validity of invitation links in days (positions set their own `deadline_days`)")
    delivery_channels: tuple[str, ...] = row(
        "DELIVERY_CHANNELS", Pattern(parse_channels, "channels in order: member, kf, external, sms, email"),
        DEFAULT_CHANNELS,
        "the order in which a candidate's channels are tried (a position's `delivery.channels` overrides it; "
        "[messaging.md](messaging.md#delivery-policy))")
    delivery_sms_kinds: tuple[str, ...] = row(
        "DELIVERY_SMS_KINDS", Pattern(parse_sms_kinds, "kinds among " + ", ".join(SMS_CAPABLE)),
        ",".join(SMS_CAPABLE),
        "the kinds of message that may go by SMS (never the 感谢函: an SMS carries only approved templates)")
    delivery_email_kinds: tuple[str, ...] = row(
        "DELIVERY_EMAIL_KINDS", Pattern(parse_email_kinds, "kinds among " + ", ".join(KINDS)), ",".join(KINDS),
        "the kinds of message that may go by e-mail")
    delivery_fallback_hours: int = row(
        "DELIVERY_FALLBACK_HOURS", Int(0, 24 * 30), "48",
        "an invitation sent by SMS, e-mail or chat and not opened after this many hours is sent once more over the "
        "next channel that reaches the candidate (0: never)")
    digest_hour: int = row("DIGEST_HOUR", Int(0, 23), "9",
                           "the hour (Beijing time) of the daily digest card; it goes out at :05")
    reminder_hours: int = row(
        "REMINDER_HOURS", Int(1, 24 * 14), "24",
        "remind candidates who have not finished this many hours before their deadline")
    models_dir: Path = row(
        "MODELS_DIR", Folder(), str(DEFAULT_MODELS_DIR),
        "where `make models` puts the Whisper model and deepface's weights",
        shown="`data/models` beside the code (not under `DATA_DIR`)", blank_is_unset=True)
    whisper_model: Path = row(
        "WHISPER_MODEL", Folder(), lambda v: str(v["models_dir"] / "whisper-base"),
        "another local CTranslate2 Whisper directory (small, large-v3, …) for bigger machines or GPUs",
        shown="`$MODELS_DIR/whisper-base`", blank_is_unset=True)
    whisper_device: str = row(
        "WHISPER_DEVICE", Choice(("cpu", "cuda")), "cpu",
        "`cuda` runs Whisper on an NVIDIA GPU (int8 weights, fp16 compute; CTranslate2 needs CUDA 12 + cuDNN 9)")
    whisper_beam_size: int = row(
        "WHISPER_BEAM_SIZE", Int(1, 10), "5",
        "Whisper's beam width; `2` with `WHISPER_BATCH_SIZE=8` and `WHISPER_VAD_MIN_SILENCE_MS=500` costs a third "
        "less CPU but read babble at 20 dB SNR a little worse ([scoring.md](scoring.md#throughput))")
    whisper_batch_size: int = row(
        "WHISPER_BATCH_SIZE", Int(0, 64), "0",
        "`0`: the whole file, one 30 s window after another; N: the speech the VAD finds cut into ≤ 30 s chunks "
        "decoded N at a time (faster-whisper's batched pipeline)")
    whisper_vad_min_silence_ms: int = row(
        "WHISPER_VAD_MIN_SILENCE_MS", Int(100, 10_000), "2000",
        "a pause at least this long is cut out before Whisper reads the answer (shorter: fewer 30 s windows)")
    scorer_processes: int = row(
        "SCORER_PROCESSES", Int(1, 64), lambda v: str(min(os.cpu_count() or 1, 8)),
        "how many scorer processes (`python -m jobs.worker scoring`, one scoring job at a time each, up to 1.5 GB of "
        "memory each) `make run` starts; on a host of your own run that many ([operations.md](operations.md))",
        shown="the CPU count, at most 8")
    transcribe_while_recording: bool = row(
        "TRANSCRIBE_WHILE_RECORDING", Bool(), "true",
        "transcribe an answer's finished pieces while its chunks arrive, so that only the tail is left when the "
        "upload finishes ([scoring.md](scoring.md#transcribing-while-the-candidate-speaks)); `false`: the whole "
        "recording once it is complete")
    scoring_threads: int = row(
        "SCORING_THREADS", Int(1, 64), "1",
        "threads Whisper uses per scoring job: one process per core with one thread each scores more interviews "
        "per core-hour than one process using every core; `SCORER_PROCESSES=1 SCORING_THREADS=<cores>` is the "
        "layout of before (a single answer done sooner)")
    face_expression: bool = row(
        "FACE_EXPRESSION", Bool(), "false",
        "score facial expression as 亲和力 (weight 0.05 unless a position sets one) where a position enables face "
        "analysis and the candidate consented; off by default ([wecom.md §7](wecom.md))")
    recording_keys: tuple[tuple[str, bytes], ...] = row(
        "RECORDING_KEYS", Pattern(parse_recording_keys, "`id:base64` pairs of 32-byte keys, newest first", kind="keys"),
        lambda v: _secret_file(v["data_dir"], "recording_keys", _new_recording_key),
        "`k2:<base64 of 32 bytes>,k1:<…>`: AES-256-GCM keys for recordings and ID numbers; the first seals new "
        "data, the rest only open older data",
        shown="one key generated once into `$DATA_DIR/recording_keys` (mode 600)", blank_is_unset=True)
    storage_url: str = row(
        "STORAGE_URL", Url(("s3",), optional=True), "",
        "`s3://bucket/prefix`: recordings in S3-compatible object storage (credentials the usual boto3 way: "
        "`AWS_ACCESS_KEY_ID`, …)", shown="*(unset → under `DATA_DIR`)*", blank_is_unset=True)
    s3_endpoint_url: str = row("S3_ENDPOINT_URL", Url(_HTTP, optional=True), "",
                               "the object store's endpoint (MinIO, Ceph RGW, …)", shown="*(AWS)*",
                               blank_is_unset=True)
    recording_retention_days: int = row("RECORDING_RETENTION_DAYS", _DAYS, "180",
                                        "recordings are deleted this many days after their interview ended")
    personal_data_retention_days: int = row(
        "PERSONAL_DATA_RETENTION_DAYS", _DAYS, "365",
        "a candidate with no activity this many days is erased (30 days for those who left the talent pool)")
    pool_retention_days: int = row(
        "POOL_RETENTION_DAYS", _DAYS, "365",
        "how many days after their last report a candidate stays in the talent pool")
    fairness_questions: bool = row(
        "FAIRNESS_QUESTIONS", Bool(), "false",
        "after consent the H5 page asks, optionally and refusably, a candidate's gender and age band for the fairness "
        "report ([fairness.md](fairness.md)); off until the company has decided to collect them")
    rate_limit_per_minute: int = row(
        "RATE_LIMIT_PER_MINUTE", Int(10, 1_000_000), "600",
        "requests per minute per interview link (candidate pages; 20× per address), per address (HR and bulk "
        "pages), per token (API)")
    proxy_hops: int = row("PROXY_HOPS", Int(0, 5), "0",
                          "reverse proxies in front (nginx: 1); only then is `X-Forwarded-For` believed")
    webhook_allowed_private: frozenset[str] = row(
        "WEBHOOK_ALLOWED_PRIVATE", Hosts(), "",
        "on-premise webhook receivers: host names, addresses or networks webhooks may reach although they are "
        "private, loopback or link-local (every other such address is refused, at subscription and at each "
        "delivery)", shown="*(empty: public addresses only)*")
    extra: Mapping[str, str] = field(default_factory=dict)  # never read from the environment

    @property
    def recruiters(self) -> frozenset[str]:
        """Who may run recruiter commands in chat and decide: HR_USERIDS and HR_LEADS."""
        return self.hr_userids | self.hr_leads

    @property
    def organisation_path(self) -> Path | None:
        """ORGANISATION_FILE as a path (a relative one from the repository root); None when unset."""
        if not self.organisation_file:
            return None
        path = Path(self.organisation_file)
        return path if path.is_absolute() else Path(__file__).resolve().parents[1] / path

    @property
    def redis_socket(self) -> Path:
        return self.data_dir / "redis.sock"


@functools.cache
def entries() -> tuple[Entry, ...]:
    """Return the settings table's rows, in the order load() reads them."""
    return table_rows(Settings)


def derived_fields() -> dict[str, str]:
    """Return the Settings fields load() works out from other rows, with their docs."""
    return table_derived(Settings)


def load(environ: Mapping[str, str] | None = None, *, dotenv: str | None = ".env") -> Settings:
    """Build Settings from the environment (and a .env file when present); raise SettingsError."""
    env: dict[str, str] = {}
    if dotenv and Path(dotenv).is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    sandbox = not env.get("WECOM_CORP_ID")
    if not sandbox:
        missing = [e.env for e in entries() if e.default is None and not env.get(e.env)]
        if missing:
            raise SettingsError(f"WECOM_CORP_ID is set, so these are needed too: {', '.join(missing)}")
    values: dict[str, Any] = {"sandbox": sandbox}
    defaulted: set[str] = set()
    creds: dict[str, str] = {}
    for entry in entries():
        raw = env.get(entry.env)
        if entry.sandbox_generated and sandbox:
            # The sandbox only knows the credentials it generated, so the environment's are ignored.
            creds = creds or sandbox_credentials(values["data_dir"])
            raw = creds[entry.env]
        elif raw is None or (entry.blank_is_unset and not raw.strip()):
            assert entry.default is not None  # required rows were checked above
            raw = entry.default(values) if callable(entry.default) else entry.default
            defaulted.add(entry.env)
        values[entry.attr] = entry.parser(entry.env, raw)
    values["redis_embedded"] = "REDIS_URL" in defaulted
    check_sms(values)
    if values["smtp_host"] and not values["mail_from"]:
        raise SettingsError("SMTP_HOST is set, so MAIL_FROM is needed too (the address candidates' e-mails come from)")
    return Settings(**values)


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, loaded once."""
    return load()

