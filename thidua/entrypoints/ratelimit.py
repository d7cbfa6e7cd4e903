"""An in-memory, thread-safe sliding-window rate limiter (one process; not shared between replicas)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryAfter:
    """The limit is reached; the next event for this key is allowed after ``seconds``."""

    seconds: float

    @property
    def header(self) -> str:
        """The value for an HTTP ``Retry-After`` header (whole seconds, at least 1)."""
        return str(max(1, math.ceil(self.seconds)))


class RateLimiter:
    """At most ``limit`` events per key in any window of ``per_seconds`` (a sliding log).

    ``hit(key)`` records an event and returns ``None`` while the key is under its limit; once the
    limit is reached it records nothing and returns how long to wait. ``clock`` is a monotonic
    clock in seconds, injectable for tests. The number of tracked keys is bounded by ``max_keys``:
    beyond it, keys with no event left in the window are dropped, then the oldest keys.
    """

    def __init__(
        self,
        limit: int,
        per_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if per_seconds <= 0:
            raise ValueError("per_seconds must be positive")
        self.limit = limit
        self.per_seconds = per_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        cutoff = now - self.per_seconds
        while events and events[0] <= cutoff:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def _retry_after(self, events: deque[float], now: float) -> RetryAfter | None:
        if len(events) < self.limit:
            return None
        # The event that must leave the window before another one fits.
        oldest = events[len(events) - self.limit]
        return RetryAfter(max(0.0, oldest + self.per_seconds - now))

    def hit(self, key: str) -> RetryAfter | None:
        """Record one event for ``key``; ``None`` if allowed, else how long to wait."""
        with self._lock:
            now = self._clock()
            events = self._window(key, now)
            if events is not None:
                blocked = self._retry_after(events, now)
                if blocked is not None:
                    return blocked
            else:
                if len(self._events) >= self._max_keys:
                    self._prune(now)
                events = self._events.setdefault(key, deque())
            events.append(now)
            return None

    def check(self, key: str) -> RetryAfter | None:
        """Like ``hit`` but records nothing: would the next event for ``key`` be refused?"""
        with self._lock:
            now = self._clock()
            events = self._window(key, now)
            return None if events is None else self._retry_after(events, now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def _prune(self, now: float) -> None:
        for key in list(self._events):
            self._window(key, now)
        while len(self._events) >= self._max_keys:
            # dicts keep insertion order: drop the key tracked longest.
            del self._events[next(iter(self._events))]
