"""Settings: typed parsers fail loudly; sandbox defaults need no credentials."""
from __future__ import annotations

import pytest

from config.settings import REAL_API_BASE, SettingsError, load

REAL = {"WECOM_CORP_ID": "ww1234567890", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "s3cret",
        "WECOM_TOKEN": "Tok3n", "WECOM_AES_KEY": "a" * 43}


def test_sandbox_defaults_need_nothing_and_are_stable(tmp_path):
    first = load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    again = load({"DATA_DIR": str(tmp_path)}, dotenv=None)
    assert first.sandbox and first.wecom_api_base == "http://127.0.0.1:8001/cgi-bin/"
    assert first.wecom_aes_key == again.wecom_aes_key and first.secret_key == again.secret_key
    assert first.database_url == f"sqlite:///{tmp_path / 'interview.db'}"
    assert first.redis_embedded and first.redis_url == f"unix://{tmp_path / 'redis.sock'}"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.hr_userids == {"hr_li", "hr_wang"}


def test_real_corp_uses_the_real_api_and_no_default_recruiters(tmp_path):
    settings = load({"DATA_DIR": str(tmp_path), **REAL}, dotenv=None)
    assert not settings.sandbox
    assert settings.wecom_api_base == REAL_API_BASE
    assert settings.hr_userids == frozenset()


@pytest.mark.parametrize("name, value, words", [
    ("WECOM_AGENT_ID", "abc", "whole number"),
    ("WECOM_AES_KEY", "short", "43 characters"),
    ("WECOM_AES_KEY", "!" * 43, "base64"),
    ("WECOM_TOKEN", "has space", "letters or digits"),
    ("WECOM_API_BASE", "ftp://x", "http/https URL"),
    ("DATABASE_URL", "mysql://x/y", "URL"),
    ("REDIS_URL", "localhost:6379", "URL"),
    ("HR_USERIDS", "ok,bad id", "invalid userid"),
    ("WHISPER_DEVICE", "tpu", "one of cpu, cuda"),
    ("SCORING_THREADS", "0", "between 1 and 64"),
    ("FACE_EXPRESSION", "maybe", "true or false"),
    ("WEB_PORT", "70000", "between"),
    ("PUBLIC_BASE_URL", "example.com", "URL"),
])
def test_garbage_fails_loudly_naming_the_variable(tmp_path, name, value, words):
    with pytest.raises(SettingsError) as info:
        load({"DATA_DIR": str(tmp_path), **REAL, name: value}, dotenv=None)
    assert name in str(info.value) and words in str(info.value)


def test_real_corp_with_missing_secret_fails(tmp_path):
    env = {k: v for k, v in REAL.items() if k != "WECOM_SECRET"}
    with pytest.raises(SettingsError, match="WECOM_SECRET"):
        load({"DATA_DIR": str(tmp_path), **env}, dotenv=None)


def test_dotenv_is_read_and_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("HR_USERIDS=alice,bob\nCOMPANY_NAME=某某银行\n")
    settings = load({"DATA_DIR": str(tmp_path), "HR_USERIDS": "carol"}, dotenv=str(dotenv))
    assert settings.hr_userids == {"carol"}
    assert settings.company_name == "某某银行"
