"""Per-process cache of the rules an administrator edits (fast track, approval authority).

They change a few times a year but were read from the database on every screening, approval
and queue page. A row saved or deleted through the model (the admin does that) clears this
process's cache at once; other processes (web workers, the task worker) pick the change up
within ``TTL_SECONDS``. Tests clear it around each test (tests/claims/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
TTL_SECONDS = 30.0
_entries: dict[str, tuple[float, Any]] = {}


def cached(key: str, load: Callable[[], T]) -> T:
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    value = load()
    _entries[key] = (now, value)
    return value


def clear() -> None:
    _entries.clear()
