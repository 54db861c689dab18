"""Security headers on every response: no MIME sniffing, no framing, no referrer (links carry tokens), a
Content-Security-Policy the pages satisfy, and no caching of anything but static files.

The pages hold no inline script or style (the H5 state is a JSON data block, charts are SVG with presentation
attributes, scripts set styles through the DOM), so script-src and style-src need nothing beyond 'self'.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Flask, Response, request

from config.settings import Settings

PAGE_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",      # the practice answer plays back from a blob the page recorded
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"  # JSON opened as a document does nothing
FILENAME = re.compile(r'filename="?([^";]*)"?')
PAGE_PERMISSIONS = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def always(response: Response) -> Response:
    """The headers every response carries, and no caching (the WeCom callback's app adds only these)."""
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-store"
    return response


def sendable_disposition(response: Response) -> None:
    """A download named in Chinese (a position's slug from its file) as RFC 6266 names it: an ASCII fallback and
    filename*=UTF-8''…, since a header carries latin-1 at most and a server cannot write the raw name (werkzeug's
    own server hung on it)."""
    value = response.headers.get("Content-Disposition")
    if value is None or value.isascii():
        return
    kind = value.partition(";")[0].strip() or "attachment"
    match = FILENAME.search(value)
    name = match.group(1) if match else "download"
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    response.headers.set("Content-Disposition", kind, filename=simple,
                         **{"filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")})


def secure(response: Response, *, https: bool) -> Response:
    """Add the security headers a view has not set itself."""
    sendable_disposition(response)
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers.setdefault("Permissions-Policy", PAGE_PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    elif response.mimetype == "application/json":
        response.headers.setdefault("Content-Security-Policy", DATA_POLICY)
    if https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    endpoint = request.endpoint or ""
    if endpoint != "static" and not endpoint.endswith(".static"):
        # Pages, API answers, exports and recordings hold personal data: no browser or proxy keeps a copy.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Add the security headers to every response of the app."""
    https = settings.public_base_url.startswith("https://")
    app.after_request(lambda response: secure(response, https=https))
