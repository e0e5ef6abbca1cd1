"""What is kept in memory and grows with use stays under its cap (`memory:` settings), and
the process's malloc arenas are limited."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.config import load_settings
from bot.heap import limit_malloc_arenas, map_big_blocks
from bot.lru import LruDict
from bot.web.rate_limit import RateLimiter


def test_an_lru_dict_drops_the_least_recently_used_key_past_its_limit() -> None:
    kept: LruDict[int, str] = LruDict(2)
    kept[1] = "one"
    kept[2] = "two"
    assert kept.get(1) == "one"  # 1 is now the most recently used
    kept[3] = "three"
    assert 2 not in kept and kept.get(2) is None
    assert kept.items() == [(1, "one"), (3, "three")]
    assert kept.setdefault(3, "other") == "three"
    assert kept.setdefault(4, "four") == "four"
    assert len(kept) == 2 and 1 not in kept
    assert kept.pop(4) == "four" and kept.pop(4, "gone") == "gone"
    kept.clear()
    assert len(kept) == 0


def test_an_lru_dict_keeps_at_least_one_entry() -> None:
    with pytest.raises(ValueError):
        LruDict(0)


def test_the_api_rate_limiter_keeps_at_most_its_callers_and_a_dropped_one_starts_full() -> None:
    clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))
    limiter = RateLimiter(2, clock, callers=2)
    assert limiter.take("a") is None and limiter.take("a") is None
    assert limiter.take("a") == 30  # two a minute: one more in 30 s
    limiter.take("b")
    assert limiter.take("a") == 30  # still limited: "a" was seen last
    limiter.take("c")  # a third caller: "b", the least recently seen, is dropped
    assert len(limiter._buckets) == 2 and "b" not in limiter._buckets
    assert limiter.take("a") == 30
    clock.advance(timedelta(seconds=30))
    assert limiter.take("a") is None


def test_the_caps_are_settings() -> None:
    settings = load_settings()
    assert settings.memory.guilds_cached == 1000
    assert settings.memory.rate_limit_callers == 10_000
    assert settings.memory.page_buttons_seconds == 60
    assert settings.memory.malloc_arenas == 2
    assert settings.memory.malloc_mmap_threshold_kb == 0
    assert settings.memory.messages_cached == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_glibc_takes_the_arena_limit_and_zero_leaves_its_default() -> None:
    assert not limit_malloc_arenas(0)
    assert limit_malloc_arenas(2)  # this test process: 2 arenas is harmless here too


# Frees a 256 KB block, then takes another: glibc's sliding threshold rises past 256 KB at the
# free, so the second block comes from the heap; with the threshold fixed it is mapped again.
BIG_BLOCKS = """
import ctypes, sys
from bot.heap import map_big_blocks
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in FIELDS.split()]
libc.mallinfo2.restype = Info
if sys.argv[1] != "0":
    assert map_big_blocks(int(sys.argv[1]))
libc.free(libc.malloc(256 * 1024))
mapped = libc.mallinfo2().hblks
block = libc.malloc(256 * 1024)
print(libc.mallinfo2().hblks - mapped)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
@pytest.mark.parametrize(("threshold_kb", "mapped"), [(0, 0), (128, 1)])
def test_big_blocks_keep_their_own_mapping_with_a_fixed_threshold(
    threshold_kb: int, mapped: int
) -> None:
    assert not map_big_blocks(0)
    done = subprocess.run(
        [sys.executable, "-c", BIG_BLOCKS, str(threshold_kb)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert int(done.stdout) == mapped
