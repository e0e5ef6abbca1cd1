"""The garbage collector around the start: paused while the bot starts, settled at ready.

A start builds about half a million objects that live as long as the process (modules,
classes, the tables' metadata, pydantic's validators, the command tree) and little garbage.
The collector, which runs by allocation counts, ran some 300 times during it, a few of them
full passes over everything built so far: about a sixth of the start's CPU time
(`bench.startup`). So `python -m bot run` pauses it until ready; then one full collection frees
the start's garbage and `gc.freeze()` moves what survived to a generation no later collection
walks again (shorter pauses while serving; a forked worker process keeps sharing those pages).

Only the command line does this: a test or a sandbox starts bots in a process that lives on.
"""

from __future__ import annotations

import gc

# The pause ends at ready, or after this long if the bot is not ready by then.
LONGEST_PAUSE_SECONDS = 60.0


def pause() -> None:
    """No automatic collections until `settle` or `resume`."""
    gc.disable()


def resume() -> None:
    """Collections as usual again (a command that is not a long-lived bot)."""
    gc.enable()


def settle() -> None:
    """At ready (or LONGEST_PAUSE_SECONDS into the start): collect the start's garbage, freeze
    what survived, collect as usual again."""
    gc.collect()
    gc.freeze()
    gc.enable()
