"""Request rate limits: RATE_LIMIT_PER_MINUTE per client address on the bulk-upload and HR pages, per interview
link on the candidate's pages (candidates at one site share an address: a branch's Wi-Fi, a campus NAT; an address
gets NAT_SHARE times the limit, as on the SMS short links and 退订 links), and per token on the open API; kept in
Redis (the `limits` library) so every web process counts together.

The WeCom callback (signed, and WeCom's retries must never be refused) and /healthz are not limited. Behind
nginx the client address is X-Forwarded-For's, through werkzeug's ProxyFix, only when PROXY_HOPS says how many
proxies to trust. When Redis does not answer, requests pass unlimited (logged once per outage), never a 500.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

import redis
from flask import Flask, Response, jsonify, render_template, request
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from bot.store.kv import sentinel_master
from config.settings import Settings

log = logging.getLogger(__name__)

# First match wins; None = not limited. Static files are cacheable and cost nothing to serve.
AREAS = (("/h5/static/", None), ("/hr/static/", None), ("/i/", "candidate"), ("/h5/api/", "candidate"),
         ("/s/", "outside"), ("/u/", "outside"), ("/sms/", "outside"), ("/bulk/", "bulk"), ("/hr/", "hr"),
         ("/r/", "hr"), ("/api/v1/", "api"))
BEARER_PREFIX = "bearer "
DENIED_SHARE = 10      # an address may fail API authentication per_minute / DENIED_SHARE times a minute
PAUSE_SECONDS = 5.0    # after Redis failed, requests pass without asking it for this long
REDIS_TIMEOUT = 0.5    # seconds: a hung Redis must not hold a request
NAT_SHARE = 20         # one address may carry this many candidates' worth of requests (a recording one makes ~40/min)


def area_of(path: str) -> str | None:
    """The limited area a path belongs to, or None."""
    path = path if path.endswith("/") else path + "/"  # "/hr" is the HR area too
    return next((area for prefix, area in AREAS if path.startswith(prefix)), None)


def client_key(address: str | None) -> str:
    """The address to count under: IPv4 as is, IPv6 by its /64 (one subscriber's whole block)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Throttle:
    """Counts requests per area and client in Redis; tells a request over its limit how long to wait."""

    def __init__(self, redis_url: str, per_minute: int):
        if redis_url.startswith("redis+sentinel://"):
            client = sentinel_master(redis_url)
        else:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=REDIS_TIMEOUT,
                                          socket_timeout=REDIS_TIMEOUT, health_check_interval=30)
        storage = RedisStorage("redis://unused", connection_pool=client.connection_pool, key_prefix="throttle")
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.item = RateLimitItemPerMinute(per_minute)
        self.denied_item = RateLimitItemPerMinute(max(per_minute // DENIED_SHARE, 1))
        self.address_item = RateLimitItemPerMinute(per_minute * NAT_SHARE)
        self.paused_until = 0.0
        self.down = False

    def _redis(self, call):
        """Run a limiter call; None when Redis fails (requests then pass for PAUSE_SECONDS)."""
        if self.paused_until > time.monotonic():
            return None
        try:
            result = call()
        except (redis.RedisError, StorageError, OSError) as exc:
            self.paused_until = time.monotonic() + PAUSE_SECONDS
            if not self.down:
                self.down = True
                log.warning("rate limiting is off until Redis answers again (%s: %s)", type(exc).__name__, exc)
            return None
        if self.down:
            self.down = False
            log.info("rate limiting is back on")
        return result

    def _wait(self, item: RateLimitItemPerMinute, ids: tuple[str, ...]) -> int:
        stats = self._redis(lambda: self.limiter.get_window_stats(item, *ids))
        return max(1, math.ceil(stats.reset_time - time.time())) if stats else 1

    def hit(self, *ids: str, item: RateLimitItemPerMinute | None = None) -> int | None:
        """Count one request; the seconds to wait when it is over the limit, else None."""
        item = item or self.item
        allowed = self._redis(lambda: self.limiter.hit(item, *ids))
        return self._wait(item, ids) if allowed is False else None

    def denied_wait(self, address: str) -> int | None:
        """The seconds to wait when the address has failed API authentication too often, else None."""
        allowed = self._redis(lambda: self.limiter.test(self.denied_item, "api-denied", address))
        return self._wait(self.denied_item, ("api-denied", address)) if allowed is False else None

    def count_denied(self, address: str) -> None:
        """Count one failed API authentication of the address."""
        self._redis(lambda: self.limiter.hit(self.denied_item, "api-denied", address))

    def before_request(self) -> Response | tuple[Response, int, dict] | None:
        """Refuse the request with 429 when its client is over the limit."""
        area = area_of(request.path)
        if area is None:
            return None
        address = client_key(request.remote_addr)
        header = request.headers.get("Authorization", "")
        if area == "api" and _bearer(header):
            # Per token, so HR systems behind one address don't share a budget; an address guessing tokens is
            # held back by its failed authentications instead.
            digest = hashlib.sha256(header[len(BEARER_PREFIX):].strip().encode()).hexdigest()[:32]
            wait = self.denied_wait(address) or self.hit(area, "token", digest)
        elif area == "candidate" and (link := _link_token(request.path)):
            # Per interview link, and a wide ceiling per address for many candidates at one site
            link = hashlib.sha256(link.encode()).hexdigest()[:32]
            wait = self.hit(area, "address", address, item=self.address_item) or self.hit(area, "link", link)
        elif area == "outside":
            # SMS short links and 退订 links: many candidates behind one address (a campus), mail providers' one-click
            # POSTs from a few; the wide per-address ceiling still makes guessing a short code hopeless
            wait = self.hit(area, address, item=self.address_item)
        else:
            wait = self.hit(area, address)
        return refusal(area, wait) if wait else None

    def after_request(self, response: Response) -> Response:
        """Count the open API's failed authentications (a token sent and refused) per address."""
        if response.status_code == 401 and area_of(request.path) == "api" and _bearer(
                request.headers.get("Authorization", "")):
            self.count_denied(client_key(request.remote_addr))
        return response


def _link_token(path: str) -> str:
    """The signed interview token in /i/<token>… or /h5/api/<token>/… ("" when there is none)."""
    for prefix in ("/i/", "/h5/api/"):
        if path.startswith(prefix):
            return path[len(prefix):].split("/", 1)[0][:512]
    return ""


def _bearer(header: str) -> bool:
    return header[:len(BEARER_PREFIX)].lower() == BEARER_PREFIX and len(header) < 1024


def refusal(area: str, wait: int) -> tuple[Response, int, dict]:
    """The 429 answer in the area's own form: a JSON error for the APIs, a page for people."""
    headers = {"Retry-After": str(wait)}
    if area == "api":  # the open API's error shape
        return jsonify(error={"code": "rate_limited", "message": f"too many requests; retry after {wait} s"}), \
            429, headers
    if request.path.startswith("/h5/api/"):  # the H5 API's shape; the page retries 429 with backoff
        return jsonify(error="请求太频繁，请稍后再试。", code="rate_limited", retry_after=wait), 429, headers
    body = f"请求太频繁，请 {wait} 秒后再试。"
    return render_template("message.html", title="请求太频繁", body=body), 429, headers


def init_app(app: Flask, settings: Settings) -> Throttle:
    """Limit the app's requests (see the module's docstring)."""
    throttle = Throttle(settings.redis_url, settings.rate_limit_per_minute)
    app.extensions["throttle"] = throttle
    app.before_request(throttle.before_request)
    app.after_request(throttle.after_request)
    return throttle
