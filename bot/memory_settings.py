"""The `memory:` section of the configuration file: caps on what the bot keeps in memory.

Each cap bounds something that would otherwise grow with use or with traffic; past one, the
least recently used entry goes (and is read from the database again when next needed). The
figures behind the defaults are in the README's "Memory over time" section (bench.soak).
"""

from __future__ import annotations

from pydantic import Field

from bot.config_section import ConfigSection


class MemorySettings(ConfigSection):
    # Guilds whose settings, blocks, audit actions, feedback specs and open items are kept.
    guilds_cached: int = Field(default=1000, ge=1)
    # API callers whose rate-limit buckets are kept.
    rate_limit_callers: int = Field(default=10_000, ge=1)
    # How long an idle list's page buttons wait (each open list keeps its page and its
    # interaction or followup id, a few KB).
    page_buttons_seconds: float = Field(default=60.0, ge=5, le=3600)
    # glibc malloc arenas the threads share (0: 8 per core; bot/heap.py).
    malloc_arenas: int = Field(default=2, ge=0)
    # Malloc blocks this big (KB) or bigger get a mapping of their own, given back when freed
    # (0: glibc's threshold, which slides up to 32 MB and then leaves them in the heap). Off by
    # default: 128 held 4–7 MB less in bench.soak, but every socket read (a 256 KB buffer)
    # then maps and unmaps, and commands answered slower (README, "Memory over time").
    malloc_mmap_threshold_kb: int = Field(default=0, ge=0, le=32 * 1024)
    # Messages discord.py keeps of those it sees (its own default is 1,000). Nexus reads none
    # of them back: every listener it has takes the raw event, and a click brings its message.
    messages_cached: int = Field(default=0, ge=0)
