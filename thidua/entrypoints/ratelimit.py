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


@dataclass
class _Failures:
    count: int = 0  # failures (and attempts still in flight, counted as failures)
    not_before: float = 0.0  # no attempt for this key before this time
    last: float = 0.0  # the last attempt's time (the key is forgotten after ``forget_after``)


class FailureThrottle:
    """Progressive delay after failures, per key; an attempt is counted *before* it is checked.

    ``reserve(*keys)`` is called before the (slow) check of a credential: atomically, it refuses
    with how long to wait if any key is delayed, else counts one failure on every key (an attempt
    in flight is a failure until it succeeds), so concurrent attempts cannot slip past the limit
    while earlier ones are still being checked. After ``free`` failures of a key, each further
    attempt waits ``base_delay`` seconds, doubling with every failure up to ``max_delay``.
    ``succeeded(key)`` forgets a key (a good password resets its account's key);
    ``refund(key)`` takes back one reserved attempt (the attempt succeeded: it was no failure,
    but the key keeps its other failures). A key is forgotten ``forget_after`` seconds after its
    last attempt once its delay has passed. ``clock`` is a monotonic clock in seconds.
    """

    def __init__(
        self,
        free: int,
        *,
        base_delay: float = 60.0,
        max_delay: float = 900.0,
        forget_after: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if free < 1:
            raise ValueError("free must be at least 1")
        if base_delay <= 0 or max_delay < base_delay:
            raise ValueError("0 < base_delay <= max_delay")
        self.free = free
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.forget_after = forget_after
        self._clock = clock
        self._max_keys = max_keys
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _delay(self, count: int) -> float:
        """The wait after ``count`` failures (0 while ``count < free``)."""
        if count < self.free:
            return 0.0
        return float(min(self.max_delay, self.base_delay * 2 ** min(count - self.free, 30)))

    def _state(self, key: str, now: float) -> _Failures | None:
        state = self._keys.get(key)
        if state is not None and now >= state.not_before and now - state.last > self.forget_after:
            del self._keys[key]
            return None
        return state

    def _blocked(self, key: str, now: float) -> RetryAfter | None:
        state = self._state(key, now)
        if state is not None and now < state.not_before:
            return RetryAfter(state.not_before - now)
        return None

    def check(self, *keys: str) -> RetryAfter | None:
        """Would an attempt for these keys be refused now? (Counts nothing.)"""
        with self._lock:
            now = self._clock()
            waits = [w for w in (self._blocked(k, now) for k in keys) if w is not None]
            return max(waits, key=lambda w: w.seconds) if waits else None

    def reserve(self, *keys: str) -> RetryAfter | None:
        """Count one attempt (as a failure) on every key, or refuse it if any key must wait."""
        with self._lock:
            now = self._clock()
            waits = [w for w in (self._blocked(k, now) for k in keys) if w is not None]
            if waits:
                return max(waits, key=lambda w: w.seconds)
            for key in keys:
                state = self._state(key, now)
                if state is None:
                    if len(self._keys) >= self._max_keys:
                        self._prune(now)
                    state = self._keys[key] = _Failures()
                state.count += 1
                state.last = now
                state.not_before = now + self._delay(state.count)
            return None

    def failed(self, *keys: str) -> RetryAfter | None:
        """The reserved attempt failed: its delay runs from now (the check took time).
        Returns how long the keys now wait, if they do."""
        with self._lock:
            now = self._clock()
            waits: list[RetryAfter] = []
            for key in keys:
                state = self._keys.get(key)
                if state is None:
                    continue
                delay = self._delay(state.count)
                if delay:
                    state.not_before = max(state.not_before, now + delay)
                    waits.append(RetryAfter(state.not_before - now))
            return max(waits, key=lambda w: w.seconds) if waits else None

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures (a good credential for this account from this address)."""
        with self._lock:
            self._keys.pop(key, None)

    def refund(self, key: str) -> None:
        """Take back one reserved attempt of ``key`` (it succeeded); its other failures stay."""
        with self._lock:
            state = self._keys.get(key)
            if state is None:
                return
            state.count -= 1
            if state.count <= 0:
                del self._keys[key]
            elif self._delay(state.count) == 0:
                state.not_before = 0.0

    def failures(self, key: str) -> int:
        with self._lock:
            state = self._state(key, self._clock())
            return 0 if state is None else state.count

    def __len__(self) -> int:
        with self._lock:
            return len(self._keys)

    def _prune(self, now: float) -> None:
        for key in list(self._keys):
            self._state(key, now)
        while len(self._keys) >= self._max_keys:
            del self._keys[next(iter(self._keys))]
