"""Results already paid for: an LRU keyed by (model, task parameters, sha256 of the text sent)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any


def cache_key(model: str, task: str, text: str) -> tuple[str, str, str]:
    return model, task, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class ResultCache:
    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: tuple[str, str, str], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
