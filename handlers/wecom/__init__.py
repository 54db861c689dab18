"""WeCom messages and events: importing this package fills the handler registry (bot.wecom.registry)."""
from handlers.wecom import card_event, contacts, fallback, text  # noqa: F401
