"""Inbound handlers, one module per kind of thing; importing this package fills the registry."""
from handlers import card_event, contacts, fallback, text  # noqa: F401
