"""The run feature's constants: its name, how much code and input a run takes, how long runs
are kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

FEATURE: Final = "run"

# A snippet may hold 100 KB of code; a run takes any snippet.
CODE_MAX_CHARS: Final = 100_000
# Standard input typed in a modal or an option (a paragraph input's own limit).
STDIN_MAX_CHARS: Final = 4_000
# What "Save as snippet" offers as the description: the start of the output.
OUTPUT_EXCERPT_CHARS: Final = 1_000
# Runs (and so "Run again" on their messages) are kept this long, then pruned daily.
RETENTION: Final = timedelta(days=30)
PRUNE_EVERY: Final = timedelta(hours=24)
# Runs outside a server Nexus is in (a DM, a private channel) are filed under no server: the
# server settings' defaults apply there, without a server's channel or tier rules, and the rate
# counts every run of the member's, wherever it was started.
NO_SERVER: Final = 0
