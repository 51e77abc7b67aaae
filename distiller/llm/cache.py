"""A bounded in-memory LRU cache of LLM distillations.

Keyed by (text hash, spec hash, model, budget): the same message distilled for the same reader
by the same model costs one call, however many people press "distill" on it. Only results the
LLM produced are cached; a fallback is not, so the next request tries the LLM again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from ..engine import ReaderSpec
from ..result import Distillation
from ..thread import Thread

__all__ = ["DistillationCache", "cache_key"]


def _digest(payload: object) -> str:
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def cache_key(thread: Thread, spec: ReaderSpec, model: str, budget: int) -> tuple[str, ...]:
    """The cache key: hashes of the (redacted) messages with their authors and of the spec."""
    text_hash = _digest([[m.user, m.text] for m in thread.messages])
    spec_hash = _digest(spec.model_dump(mode="json"))
    return (text_hash, spec_hash, model, str(budget))


class DistillationCache:
    """Least-recently-used, at most `maxsize` entries (0 disables caching); thread-safe."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = max(0, maxsize)
        self._items: OrderedDict[tuple[str, ...], Distillation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, ...]) -> Distillation | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, ...], value: Distillation) -> None:
        if not self.maxsize:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
