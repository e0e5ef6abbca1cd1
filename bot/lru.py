"""A dict that keeps at most `limit` entries, dropping the least recently used first.

For caches keyed by something that grows with use — guilds, callers — whose entries can be
rebuilt (from the database) when next needed: the limit bounds the memory, and dropping an
entry costs only that rebuild. The limits are settings (`memory:` in the config file).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class LruDict(Generic[K, V]):
    """`get`, `[]=`, `setdefault` and `pop` as a dict's; a read or write makes the key the
    most recently used, and a write past `limit` drops the least recently used key."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("an LruDict keeps at least one entry")
        self.limit = limit
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        try:
            self._entries.move_to_end(key)
        except KeyError:
            return default
        return self._entries[key]

    def __getitem__(self, key: K) -> V:
        self._entries.move_to_end(key)
        return self._entries[key]

    def __setitem__(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)

    def setdefault(self, key: K, default: V) -> V:
        if key in self._entries:
            return self[key]
        self[key] = default
        return default

    @overload
    def pop(self, key: K) -> V | None: ...

    @overload
    def pop(self, key: K, default: D) -> V | D: ...

    def pop(self, key: K, default: object = None) -> object:
        return self._entries.pop(key, default)

    def clear(self) -> None:
        self._entries.clear()

    def values(self) -> list[V]:
        return list(self._entries.values())

    def items(self) -> list[tuple[K, V]]:
        return list(self._entries.items())
