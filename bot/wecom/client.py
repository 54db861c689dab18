"""wechatpy's WeCom client with the token shared in Redis, bounded refetch and retries with backoff."""
from __future__ import annotations

import logging
import time
from typing import Any

import redis
import requests
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage
from wechatpy.work.client import WeChatClient

from bot.errors import WeComError
from config.settings import Settings

log = logging.getLogger(__name__)

TOKEN_ERRORS = (40001, 40014, 42001)
RETRY_DELAYS = (0.5, 1.5)  # WeCom asks for at most 3 tries on -1 (system busy)
DUPLICATE_CHECK = {"enable_duplicate_check": 1, "duplicate_check_interval": 1800}  # WeCom drops a repeat (30 min)


class WeComClient(WeChatClient):
    """Calls the WeCom API at a configurable base URL; every process shares one access token."""

    def __init__(self, settings: Settings, client: redis.Redis, *, timeout: float = 10.0):
        self.API_BASE_URL = settings.wecom_api_base
        self.agent_id = settings.wecom_agent_id
        self.redis = client
        session = RedisStorage(client, prefix="wecom")
        # auto_retry off: wechatpy's own token retry recurses without bound when the new token fails too.
        super().__init__(
            settings.wecom_corp_id, settings.wecom_secret, session=session, timeout=timeout, auto_retry=False
        )

    def fetch_access_token(self) -> dict:
        """Fetch a token from the configured base (wechatpy hard-codes the real host), once across processes."""
        seen = self.session.get(self.access_token_key)
        with self.redis.lock(f"wecom:token-lock:{self.corp_id}", timeout=15, blocking_timeout=15):
            current = self.session.get(self.access_token_key)
            if current and current != seen:
                return {"access_token": current}  # another process refreshed it while we waited
            log.info("fetching a WeCom access token")
            return self._fetch_access_token(
                url=f"{self.API_BASE_URL}gettoken",
                params={"corpid": self.corp_id, "corpsecret": self.secret},
            )

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """Send one API call, retrying -1, 5xx and network errors with backoff; raise WeComError.

        A try that timed out or got a 5xx may have gone through: a message/send after it asks WeCom's
        duplicate check to drop the repeat, so a slow WeCom never delivers a message twice.
        """
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                return self._request_once(method, url_or_endpoint, dict(kwargs))
            except WeComError as exc:
                unknown = exc.errcode is None or (exc.http_status or 0) >= 500
                if delay is None or not (exc.errcode == -1 or unknown):
                    raise
                log.warning("WeCom %s failed (%s), retry %d in %.1fs", url_or_endpoint, exc, attempt + 1, delay)
                if unknown and url_or_endpoint == "message/send" and isinstance(kwargs.get("data"), dict):
                    kwargs["data"] = {**kwargs["data"], **DUPLICATE_CHECK}
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _request_once(self, method: str, url_or_endpoint: str, kwargs: dict) -> Any:
        kwargs.setdefault("params", {})
        refetched = kwargs.pop("_refetched", False)
        try:
            return super()._request(method, url_or_endpoint, **{**kwargs, "params": dict(kwargs["params"])})
        except WeChatClientException as exc:
            status = exc.response.status_code if exc.response is not None else None
            errcode = None if exc.errcode is None else int(exc.errcode)
            if errcode in TOKEN_ERRORS and not refetched:
                log.info("WeCom access token rejected (%s); fetching a new one", errcode)
                self.session.delete(self.access_token_key)
                self.fetch_access_token()
                return self._request_once(method, url_or_endpoint, {**kwargs, "_refetched": True})
            raise WeComError(errcode, str(exc.errmsg or ""), http_status=status) from None
        except requests.RequestException as exc:
            raise WeComError(None, f"network error: {type(exc).__name__}") from None

    def send(self, payload: dict) -> dict:
        """POST message/send with a complete payload (agentid filled in)."""
        return self.post("message/send", data={**payload, "agentid": self.agent_id})

    def update_template_card(self, userids: list[str], response_code: str, **change: Any) -> dict:
        """POST message/update_template_card (greys buttons or replaces the card)."""
        data = {"userids": userids, "agentid": self.agent_id, "response_code": response_code, **change}
        return self.post("message/update_template_card", data=data)
