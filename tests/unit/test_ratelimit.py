"""The sliding-window rate limiter, driven by a fake monotonic clock."""

from __future__ import annotations

import threading

import pytest

from thidua.entrypoints.ratelimit import FailureThrottle, RateLimiter, RetryAfter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_allows_up_to_limit_then_refuses(clock: FakeClock) -> None:
    rl = RateLimiter(3, 60, clock=clock)
    assert [rl.hit("a") for _ in range(3)] == [None, None, None]
    retry = rl.hit("a")
    assert retry == RetryAfter(60.0)
    assert retry.header == "60"


def test_keys_are_independent(clock: FakeClock) -> None:
    rl = RateLimiter(1, 10, clock=clock)
    assert rl.hit("a") is None
    assert rl.hit("b") is None
    assert rl.hit("a") is not None
    assert rl.hit("b") is not None


def test_window_slides(clock: FakeClock) -> None:
    rl = RateLimiter(2, 60, clock=clock)
    assert rl.hit("k") is None  # t=0
    clock.advance(30)
    assert rl.hit("k") is None  # t=30
    clock.advance(10)
    retry = rl.hit("k")  # t=40: the first event leaves at t=60
    assert retry is not None and retry.seconds == pytest.approx(20)
    clock.advance(20)  # t=60: first event is out of the window
    assert rl.hit("k") is None
    retry = rl.hit("k")  # t=60: window holds t=30 and t=60; t=30 leaves at t=90
    assert retry is not None and retry.seconds == pytest.approx(30)


def test_refused_hits_are_not_recorded(clock: FakeClock) -> None:
    rl = RateLimiter(1, 10, clock=clock)
    assert rl.hit("k") is None
    for _ in range(5):
        clock.advance(1)
        assert rl.hit("k") is not None
    clock.advance(5)  # t=10: only the one allowed event counted
    assert rl.hit("k") is None


def test_check_does_not_record(clock: FakeClock) -> None:
    rl = RateLimiter(2, 10, clock=clock)
    assert rl.check("k") is None
    rl.hit("k")
    assert rl.check("k") is None
    rl.hit("k")
    assert rl.check("k") == RetryAfter(10.0)
    clock.advance(10)
    assert rl.check("k") is None
    assert len(rl) == 0  # expired keys are forgotten


def test_retry_after_header_rounds_up_and_is_at_least_one() -> None:
    assert RetryAfter(0.2).header == "1"
    assert RetryAfter(0.0).header == "1"
    assert RetryAfter(1.01).header == "2"


def test_reset(clock: FakeClock) -> None:
    rl = RateLimiter(1, 10, clock=clock)
    rl.hit("k")
    rl.reset("k")
    assert rl.hit("k") is None


def test_max_keys_bounds_memory(clock: FakeClock) -> None:
    rl = RateLimiter(1, 10, clock=clock, max_keys=3)
    for key in "abc":
        rl.hit(key)
    rl.hit("d")  # all live: the oldest key ("a") is dropped
    assert len(rl) == 3
    assert rl.check("a") is None
    assert rl.check("d") is not None
    clock.advance(11)
    rl.hit("e")  # all expired: pruned
    assert len(rl) == 1


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 10)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)


def test_thread_safe_exact_count() -> None:
    rl = RateLimiter(500, 3600)
    allowed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        n = sum(1 for _ in range(100) if rl.hit("shared") is None)
        with lock:
            allowed.append(n)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 500


class TestFailureThrottle:
    """Failures reserved before the check, per key, with a growing wait."""

    def test_attempts_are_counted_before_they_finish(self) -> None:
        """Three attempts in flight at once use the three free attempts: the fourth waits."""
        clock = FakeClock()
        ft = FailureThrottle(3, clock=clock)
        assert [ft.reserve("a|ip") for _ in range(3)] == [None, None, None]
        blocked = ft.reserve("a|ip")
        assert blocked is not None and blocked.header == "60"
        assert ft.reserve("b|ip") is None  # another key is not affected

    def test_the_wait_doubles_with_each_further_failure_up_to_the_cap(self) -> None:
        """60 s, then 120 s, 240 s... never more than max_delay."""
        clock = FakeClock()
        ft = FailureThrottle(1, base_delay=60, max_delay=200, clock=clock)
        waits = []
        for _ in range(4):
            assert ft.reserve("k") is None
            wait = ft.failed("k")
            assert wait is not None
            waits.append(wait.seconds)
            clock.now += wait.seconds
        assert waits == [60, 120, 200, 200]

    def test_success_forgets_and_refund_takes_back_one(self) -> None:
        """A success forgets the key; a refund undoes only the attempt that succeeded."""
        clock = FakeClock()
        ft = FailureThrottle(3, clock=clock)
        for _ in range(2):
            ft.reserve("k")
        ft.succeeded("k")
        assert ft.failures("k") == 0
        for _ in range(3):
            ft.reserve("ip")
        assert ft.check("ip") is not None
        ft.refund("ip")
        assert ft.failures("ip") == 2 and ft.check("ip") is None

    def test_a_key_is_forgotten_after_a_quiet_period(self) -> None:
        """Failures are dropped once the wait has passed and forget_after went by."""
        clock = FakeClock()
        ft = FailureThrottle(2, forget_after=900, clock=clock)
        ft.reserve("k")
        clock.now += 901
        assert ft.failures("k") == 0 and len(ft) == 0
