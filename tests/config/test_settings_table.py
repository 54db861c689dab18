"""The settings table: one row per setting builds the Settings fields, the loader and docs/configuration.md."""
from __future__ import annotations

import base64
import dataclasses
import os
import subprocess
import sys
import typing
from collections.abc import Mapping
from pathlib import Path

import pytest

from config import docs
from config.parsers import Int
from config.settings import DEFAULT_MODELS_DIR, Settings, SettingsError, derived_fields, entries, load
from tests.support.paths import REPO as ROOT

PAGE = ROOT / "docs" / "configuration.md"
REAL = {"WECOM_CORP_ID": "ww1234567890", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cret",
        "WECOM_TOKEN": "Tok3n", "WECOM_AES_KEY": "a" * 43}
KEY = base64.b64encode(b"k" * 32).decode()

# The attributes and types Settings had before the table; code all over the product reads them.
TYPES = {
    "data_dir": Path, "sandbox": bool, "wecom_corp_id": str, "wecom_agent_id": int, "wecom_secret": str,
    "wecom_token": str, "wecom_aes_key": str, "wecom_api_base": str, "public_base_url": str, "database_url": str,
    "redis_url": str, "redis_embedded": bool, "secret_key": str, "hr_userids": frozenset[str], "web_port": int,
    "sandbox_port": int, "company_name": str, "callback_max_age": int, "invitation_ttl_days": int,
    "models_dir": Path, "whisper_model": Path, "face_expression": bool, "scoring_threads": int,
    "scorer_processes": int, "whisper_beam_size": int, "whisper_batch_size": int,
    "whisper_vad_min_silence_ms": int, "transcribe_while_recording": bool,
    "whisper_device": str, "hr_locale": str, "digest_hour": int, "reminder_hours": int,
    "hr_viewers": frozenset[str], "oauth_url": str, "pool_retention_days": int, "fairness_questions": bool,
    "admin_userids": frozenset[str],
    "hr_leads": frozenset[str], "recording_keys": tuple[tuple[str, bytes], ...], "storage_url": str,
    "s3_endpoint_url": str, "recording_retention_days": int, "personal_data_retention_days": int,
    "rate_limit_per_minute": int, "proxy_hops": int, "webhook_allowed_private": frozenset[str],
    "organisation_file": str, "organisation_source": str, "extra": Mapping[str, str],
    "sandbox_smtp_port": int, "smtp_host": str, "smtp_port": int, "smtp_security": str, "smtp_user": str,
    "smtp_password": str, "mail_from": str, "mail_rate": int, "sms_rate": int,
    "sms_provider": str, "sms_endpoint": str, "sms_secret_id": str, "sms_secret_key": str, "sms_app_id": str,
    "sms_sign_name": str, "sms_templates": tuple[tuple[str, str], ...], "sms_region": str, "sms_daily_limit": int,
    "delivery_channels": tuple[str, ...], "delivery_sms_kinds": tuple[str, ...],
    "delivery_email_kinds": tuple[str, ...], "delivery_fallback_hours": int,
}

# A malformed value per variable; free-text rows (secrets, the company name) take anything.
GARBAGE = {
    "DATA_DIR": ("x\x00y", "usable path"), "WEB_PORT": ("80a", "whole number"), "SANDBOX_PORT": ("0", "between"),
    "WECOM_CORP_ID": ("ww-1", "letters and digits"), "WECOM_AGENT_ID": ("0", "between"),
    "WECOM_TOKEN": ("has space", "letters or digits"), "WECOM_AES_KEY": ("!" * 43, "base64"),
    "WECOM_API_BASE": ("ftp://x", "http/https URL"), "WECOM_OAUTH_URL": ("/relative", "URL"),
    "PUBLIC_BASE_URL": ("example.com", "URL"), "DATABASE_URL": ("mysql://x/y", "URL"),
    "REDIS_URL": ("localhost:6379", "URL"), "HR_USERIDS": ("ok,bad id", "invalid userid"),
    "HR_LEADS": ("a/b", "invalid userid"), "HR_VIEWERS": ("x" * 65, "invalid userid"),
    "ADMIN_USERIDS": ("张三", "invalid userid"), "HR_LOCALE": ("fr", "one of"),
    "CALLBACK_MAX_AGE": ("5", "between"), "INVITATION_TTL_DAYS": ("91", "between"), "DIGEST_HOUR": ("24", "between"),
    "REMINDER_HOURS": ("1.5", "whole number"), "MODELS_DIR": ("a\x00", "usable path"),
    "WHISPER_MODEL": ("\x00", "usable path"), "WHISPER_DEVICE": ("tpu", "one of cpu, cuda"),
    "SCORING_THREADS": ("0", "between 1 and 64"), "FACE_EXPRESSION": ("maybe", "true or false"),
    "SCORER_PROCESSES": ("0", "between 1 and 64"), "WHISPER_BEAM_SIZE": ("11", "between 1 and 10"),
    "WHISPER_BATCH_SIZE": ("-1", "between 0 and 64"), "WHISPER_VAD_MIN_SILENCE_MS": ("50", "between 100 and 10000"),
    "RECORDING_KEYS": (f"k1:{KEY},k1:{KEY}", "appears twice"), "STORAGE_URL": ("/srv/recordings", "s3 URL"),
    "S3_ENDPOINT_URL": ("minio:9000", "URL"), "RECORDING_RETENTION_DAYS": ("3651", "between"),
    "PERSONAL_DATA_RETENTION_DAYS": ("-1", "between"), "POOL_RETENTION_DAYS": ("", "whole number"),
    "FAIRNESS_QUESTIONS": ("maybe", "true or false"), "TRANSCRIBE_WHILE_RECORDING": ("maybe", "true or false"),
    "RATE_LIMIT_PER_MINUTE": ("9", "between"), "PROXY_HOPS": ("6", "between"),
    "WEBHOOK_ALLOWED_PRIVATE": ("hooks.internal,hooks internal", "neither a host name"),
    "ORGANISATION_SOURCE": ("ldap", "one of file, wecom"),
    "SANDBOX_SMTP_PORT": ("0", "between"), "SMTP_PORT": ("0", "between"), "SMTP_SECURITY": ("tls", "one of"),
    "SMS_PROVIDER": ("twilio", "tencent, aliyun"), "SMS_ENDPOINT": ("https://sms.example/v1", "no path"),
    "SMS_APP_ID": ("app1", "digits"), "SMS_TEMPLATES": ("welcome=1", "unknown kind"),
    "SMS_REGION": ("Guangzhou", "region name"), "SMS_DAILY_LIMIT": ("0", "between"),
    "SMS_RATE": ("3000/s", "whole number"), "MAIL_RATE": ("0", "between"),
    "DELIVERY_CHANNELS": ("sms,pigeon", "unknown 'pigeon'"), "DELIVERY_SMS_KINDS": ("thanks", "no free text"),
    "DELIVERY_EMAIL_KINDS": ("invitation,invitation", "named twice"), "DELIVERY_FALLBACK_HOURS": ("721", "between"),
}
# ORGANISATION_FILE too: a missing file is `org sync`'s error
FREE_TEXT = {"WECOM_SECRET", "SECRET_KEY", "COMPANY_NAME", "ORGANISATION_FILE", "SMS_SECRET_ID", "SMS_SECRET_KEY",
             "SMS_SIGN_NAME", "SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_FROM"}
REGENERATE = docs.REGENERATE


def test_configuration_page_is_generated_from_the_table():
    assert PAGE.read_text(encoding="utf-8") == docs.render(), f"docs/configuration.md is stale: run `{REGENERATE}`"


def test_the_markdown_command_prints_the_page():
    done = subprocess.run([sys.executable, "-m", "config.docs"], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == docs.render()


def test_every_field_is_exactly_one_row_or_derived():
    rows = entries()
    names = [row.attr for row in rows]
    assert len(names) == len(set(names)) and len({row.env for row in rows}) == len(rows)
    assert not set(names) & set(derived_fields())
    assert set(names) | set(derived_fields()) | {"extra"} == {f.name for f in dataclasses.fields(Settings)}
    for row in rows:
        assert row.doc and row.parser.kind and row.default_text(), row.env
        if row.default is None:  # only the corp credentials are required, and the sandbox makes its own
            assert row.sandbox_generated, row.env
    assert set(GARBAGE) | FREE_TEXT == {row.env for row in rows}  # a new row needs a garbage case here


def test_attribute_names_and_types_are_unchanged(tmp_path):
    hints = typing.get_type_hints(Settings)
    assert hints == TYPES
    settings = load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    for name, hint in hints.items():
        assert isinstance(getattr(settings, name), typing.get_origin(hint) or hint), name


def test_sandbox_defaults_are_the_old_ones(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    data = tmp_path.resolve()
    expected = {
        "data_dir": data, "sandbox": True, "web_port": 8000, "sandbox_port": 8001, "wecom_agent_id": 1000002,
        "wecom_api_base": "http://127.0.0.1:8001/cgi-bin/",
        "oauth_url": "http://127.0.0.1:8001/connect/oauth2/authorize", "public_base_url": "http://127.0.0.1:8000",
        "database_url": f"sqlite:///{data / 'interview.db'}", "redis_url": f"unix://{data / 'redis.sock'}",
        "redis_embedded": True, "hr_userids": {"hr_li", "hr_wang"}, "hr_viewers": {"mgr_zhao"},
        "admin_userids": {"admin_sun"}, "hr_leads": frozenset(), "company_name": "示例银行", "hr_locale": "zh-CN",
        "callback_max_age": 300, "invitation_ttl_days": 7, "digest_hour": 9, "reminder_hours": 24,
        "models_dir": DEFAULT_MODELS_DIR, "whisper_model": DEFAULT_MODELS_DIR / "whisper-base",
        "whisper_device": "cpu", "scoring_threads": 1, "scorer_processes": min(os.cpu_count() or 1, 8),
        "whisper_beam_size": 5, "whisper_batch_size": 0, "whisper_vad_min_silence_ms": 2000,
        "face_expression": False, "transcribe_while_recording": True,
        "storage_url": "", "s3_endpoint_url": "", "recording_retention_days": 180,
        "personal_data_retention_days": 365, "pool_retention_days": 365, "rate_limit_per_minute": 600,
        "proxy_hops": 0, "webhook_allowed_private": frozenset(), "extra": {},
    }
    assert {name: getattr(settings, name) for name in expected} == expected
    assert settings.wecom_corp_id.startswith("wwsandbox") and len(settings.wecom_token) == 32
    assert settings.secret_key == (tmp_path / "secret_key").read_text()
    key_id, key = settings.recording_keys[0]
    assert len(settings.recording_keys) == 1 and key_id == "k1" and len(key) == 32
    assert (tmp_path / "recording_keys").stat().st_mode & 0o777 == 0o600


def test_real_corp_reads_its_credentials_and_defaults_roles_to_empty(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), **REAL, "WECOM_API_BASE": "https://proxy.example/cgi-bin"},
                    dotenv=None)
    assert (settings.wecom_corp_id, settings.wecom_secret, settings.wecom_agent_id) == ("ww1234567890", "s3cret",
                                                                                        1000002)
    assert settings.wecom_api_base == "https://proxy.example/cgi-bin/"
    assert settings.oauth_url == "https://open.weixin.qq.com/connect/oauth2/authorize"
    assert settings.hr_userids == settings.hr_viewers == settings.admin_userids == frozenset()
    assert settings.smtp_host == settings.mail_from == settings.sms_provider == ""  # no e-mail, no SMS until set up
    with pytest.raises(SettingsError, match="MAIL_FROM"):
        load({"DATA_DIR": str(tmp_path), **REAL, "SMTP_HOST": "smtp.bank.example"}, dotenv=None)
    mail = {"SMTP_HOST": "smtp.bank.example", "MAIL_FROM": "hr@bank.example"}
    mailing = load({"DATA_DIR": str(tmp_path), **REAL, **mail}, dotenv=None)
    assert (mailing.smtp_port, mailing.smtp_security) == (587, "starttls")


def test_sandbox_ignores_the_environments_credentials(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), "WECOM_SECRET": "mine", "WECOM_TOKEN": "bad token"}, dotenv=None)
    assert settings.sandbox and settings.wecom_secret != "mine"


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_garbage_names_the_variable(tmp_path, name):
    value, words = GARBAGE[name]
    with pytest.raises(SettingsError) as info:
        load({"DATA_DIR": str(tmp_path), **REAL, name: value}, dotenv=None)
    assert name in str(info.value) and words in str(info.value)


@pytest.mark.parametrize("row", [row for row in entries() if isinstance(row.parser, Int)], ids=lambda row: row.env)
def test_integer_bounds_are_enforced(tmp_path, row):
    low, high = row.parser.low, row.parser.high
    for inside in {low, high} - {None}:
        assert getattr(load({"DATA_DIR": str(tmp_path), **REAL, row.env: str(inside)}, dotenv=None), row.attr) == inside
    for outside in (None if low is None else low - 1, None if high is None else high + 1):
        if outside is not None:
            with pytest.raises(SettingsError, match=f"{row.env} must be between"):
                load({"DATA_DIR": str(tmp_path), **REAL, row.env: str(outside)}, dotenv=None)


def test_empty_means_default_only_where_the_table_says_so(tmp_path):
    blank = {row.env: "" for row in entries() if row.blank_is_unset}
    assert load({"DATA_DIR": str(tmp_path), **blank}, dotenv=None) == load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    # An empty role list is a choice: nobody gets the sandbox's demo role.
    assert load({"DATA_DIR": str(tmp_path), "HR_USERIDS": ""}, dotenv=None).hr_userids == frozenset()
    with pytest.raises(SettingsError, match="WEB_PORT"):
        load({"DATA_DIR": str(tmp_path), "WEB_PORT": ""}, dotenv=None)


def test_computed_defaults_follow_the_rows_they_use(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), "WEB_PORT": "9000", "SANDBOX_PORT": "9001", "MODELS_DIR": "m"},
                    dotenv=None)
    assert settings.public_base_url == "http://127.0.0.1:9000"
    assert settings.wecom_api_base == "http://127.0.0.1:9001/cgi-bin/"
    assert settings.whisper_model == Path("m").resolve() / "whisper-base"
    assert (settings.sms_rate, settings.mail_rate) == (3000, 30)  # Tencent's documented SendSms rate
    assert load({"DATA_DIR": str(tmp_path), "SMS_PROVIDER": "aliyun"}, dotenv=None).sms_rate == 5000  # Alibaba's


def test_settings_stay_a_frozen_dataclass(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), "HR_LEADS": "lead"}, dotenv=None)
    changed = dataclasses.replace(settings, hr_userids=frozenset({"a"}), rate_limit_per_minute=1)
    assert changed.recruiters == {"a", "lead"} and changed.rate_limit_per_minute == 1
    assert settings.redis_socket == tmp_path.resolve() / "redis.sock"
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.web_port = 1  # type: ignore[misc]


def test_repr_of_the_settings_shows_no_secret(tmp_path):
    """A Settings object that ends up in a log or a traceback shows no key, secret, token or password."""
    settings = load({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://app:s3cret-pw@db/interview",
                     "REDIS_URL": "redis://:redis-pw@cache:6379/0"}, dotenv=None)
    shown = repr(settings)
    secrets = [settings.secret_key, settings.wecom_secret, settings.wecom_token, settings.wecom_aes_key,
               "s3cret-pw", "redis-pw", *(key.hex() for _, key in settings.recording_keys)]
    assert "web_port=" in shown and not [s for s in secrets if s in shown]
