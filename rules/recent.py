"""Bounded memory for per-object state: the objects most recently used are kept, the oldest forgotten.

A capture of millions of exchanges holds hundreds of thousands of sessions,
CDRs and commands. Checkers keep their per-object state in `Recent`
mappings (and `RecentSet`s) of at most `KEPT` objects each: every write and
every `get` makes an object the most recent, and beyond the limit the least
recently used is dropped. An object still in use is touched by its own
traffic and stays; a finished one ages out. An object that shows up again
after being forgotten is treated like one that began before the capture.
So the limit can only change findings about objects left silent while
`KEPT` others of their kind were used: a second CDR for a session long
forgotten goes unseen, an update of such a session reads as one of a
session never PUT.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Final, TypeVar, overload

KEPT: Final = 20_000  # objects of one kind per checker

_item: Final = OrderedDict.__getitem__  # called directly: `get` runs for most exchanges

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class Recent(OrderedDict[K, V]):
    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = KEPT if limit is None else limit

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.limit:
            self.popitem(last=False)

    @overload
    def get(self, key: K, default: None = None, /) -> V | None: ...
    @overload
    def get(self, key: K, default: V, /) -> V: ...
    @overload
    def get(self, key: K, default: D, /) -> V | D: ...

    def get(self, key: K, default: object = None, /) -> object:
        if key in self:
            self.move_to_end(key)
            return _item(self, key)
        return default

    def setdefault(self, key: K, default: V, /) -> V:
        if key in self:
            self.move_to_end(key)
            return _item(self, key)
        self[key] = default
        return default


class RecentSet(Recent[K, None]):
    """A set with the same bound: `add`, `in`, `discard`."""

    def add(self, key: K) -> None:
        self[key] = None

    def discard(self, key: K) -> None:
        self.pop(key, None)
