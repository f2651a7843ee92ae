"""Bounded in-process memory: what a worker or a build keeps so as not to read or
parse it again, without growing with everything it has ever seen."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Kept:
    """A least-recently-used map whose values' total ``size`` stays within ``budget``
    (the most recent value is kept even when it alone is larger)."""

    def __init__(self, budget: int, size=len):
        self.budget, self.size, self.total = budget, size, 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            if key in self.items:
                self.total -= self.size(self.items.pop(key))
            self.items[key] = value
            self.total += self.size(value)
            while self.total > self.budget and len(self.items) > 1:
                self.total -= self.size(self.items.popitem(last=False)[1])

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.total = 0
