"""Nexus: the bot's core runtime. It knows no feature; features live in `cogs/`."""

from __future__ import annotations

__version__ = "0.1.0"
