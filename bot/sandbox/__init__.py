"""A local fake of the part of WeCom the product uses, with a chat console (`python -m bot.sandbox`)."""
from __future__ import annotations

from .app import create_sandbox_app, serve_in_thread

__all__ = ["create_sandbox_app", "serve_in_thread"]
