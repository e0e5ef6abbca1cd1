"""The run-queue delay the deadline excuses is real: it grows only while the thread waits."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bot.sandbox import LateAck
from bot.sandbox.interactions.cpu_wait import cpu_wait_seconds

BUSY = "import time\nend = time.monotonic() + 2\nwhile time.monotonic() < end: pass"


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's scheduler statistics")
def test_a_thread_sharing_its_cpu_with_a_busy_process_is_seen_waiting() -> None:
    alone_before = cpu_wait_seconds()
    spin(0.05)
    cpu = min(os.sched_getaffinity(0))
    before_pin = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    rival = subprocess.Popen([sys.executable, "-c", BUSY])  # inherits the one CPU
    try:
        time.sleep(0.2)  # the rival is running
        before = cpu_wait_seconds()
        spin(0.4)
        waited = cpu_wait_seconds() - before
    finally:
        rival.kill()
        rival.wait()
        os.sched_setaffinity(0, before_pin)
    # Two runnable threads on one CPU: about half the 0.4 s is spent waiting.
    assert 0.05 < waited < 0.4
    assert cpu_wait_seconds() >= alone_before


def test_a_late_acknowledgement_says_how_much_was_waiting_for_a_cpu() -> None:
    late = LateAck(1, "/late", 6.02, 4.0)
    assert late.charged == pytest.approx(2.02)
    assert str(late) == "/late: acknowledged after 6.02 s, 4.00 s of it waiting for a CPU"
    assert str(LateAck(1, "/late", 3.5)) == "/late: acknowledged after 3.50 s"
