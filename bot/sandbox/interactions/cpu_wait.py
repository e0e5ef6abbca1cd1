"""How long the calling thread waited for a CPU: Linux's run-queue delay for the thread.

A test run shares two cores among several pytest workers, each holding a bot and its sandbox
in one process. When the machine gives the cores to the other workers, the event loop's thread
sits runnable but not running, and an acknowledgement that took the bot 50 ms of work arrives
seconds later. The kernel counts that time per thread (``/proc/thread-self/schedstat``, its
second field, in nanoseconds), so a deadline can be charged for the time the thread was given,
and a stall in the bot's own code (a blocking call, a long computation) is still charged in full.
"""

from __future__ import annotations

from pathlib import Path

SCHEDSTAT = Path("/proc/thread-self/schedstat")


def cpu_wait_seconds() -> float:
    """The calling thread's total time runnable but waiting for a CPU; 0.0 where the kernel does
    not say (not Linux, or scheduler statistics compiled out), which charges everything."""
    try:
        fields = SCHEDSTAT.read_text().split()
    except OSError:
        return 0.0
    return int(fields[1]) / 1e9 if len(fields) >= 2 and fields[1].isdigit() else 0.0
