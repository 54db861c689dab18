"""Recruiters' chat commands and candidates' keyword intents, declared in bot/commands/registry.py's registry.

Importing the package loads every module in it, so each declaration is registered: adding a command is one
module here plus its message templates, with no list to update (docs/commands.md).
"""
from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
