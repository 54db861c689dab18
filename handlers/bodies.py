"""Request bodies bounded whether or not the client says how long they are.

A view bounds its body with ``request.max_content_length`` (the app's 1 MB, a recording chunk's 2 MiB, the
callback's 64 KiB). With a Content-Length over the bound werkzeug refuses at once; but a body sent without one
(Transfer-Encoding: chunked, which gunicorn and werkzeug's server pass on as a terminated stream) is read by
werkzeug only *up to* the bound and then looks complete: a 3 MiB chunk would be stored as its first 2 MiB, and an
honest client whose checksum covers the whole body would be told bad_checksum and retry for ever. Here such a
body is read one byte past its bound, and that byte means 413.
"""
from __future__ import annotations

from typing import IO

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream


class BoundedStream(LimitedStream):
    """A terminated stream read to at most bound + 1 bytes: reaching the extra byte raises 413."""

    def __init__(self, stream: IO[bytes], bound: int):
        super().__init__(stream, bound + 1, is_max=True)
        self.bound = bound

    def readinto(self, buffer: bytearray) -> int | None:  # type: ignore[override]
        read = super().readinto(buffer)
        if self.tell() > self.bound:
            raise RequestEntityTooLarge()
        return read


class BoundedRequest(Request):
    """Flask's request whose stream refuses a body without a Content-Length once it passes the view's bound."""

    @cached_property
    def stream(self) -> IO[bytes]:
        bound = self.max_content_length
        if (self.shallow or bound is None or self.content_length is not None
                or "wsgi.input_terminated" not in self.environ):
            return super().stream  # werkzeug's checks: a length over the bound is 413 before anything is read
        return BoundedStream(self.environ["wsgi.input"], bound)

