"""The load test's ladder: up while steps pass, a failure tried once more, then bisection to the highest pass."""
from __future__ import annotations

from tests.benchmarks.load import Climb
from tests.benchmarks.loadgen import StepResult


def step(rate: float, capacity: float, noisy: set[float] = frozenset()) -> StepResult:
    """A step of a server that keeps p99 at 5 ms up to `capacity` and falls over above it (or when noisy)."""
    result = StepResult(rate=rate, seconds=1.0)
    result.latencies = [0.005 if rate <= capacity and rate not in noisy else 0.5] * 100
    return result


def climb(capacity: float, bisections: int = 2, noisy: set[float] = frozenset()) -> tuple[Climb, list[float]]:
    ladder, tried = Climb("route", (250, 500, 1000, 2000, 4000), bisections), []
    while (rate := ladder.next_rate()) is not None:
        tried.append(rate)
        ladder.record(step(rate, capacity, noisy if tried.count(rate) == 1 else set()))
    return ladder, tried


def test_climbs_retries_the_failure_then_bisects():
    ladder, tried = climb(1400)
    assert tried == [250, 500, 1000, 2000, 2000, 1500, 1500, 1250]
    assert ladder.best == 1250 and ladder.failed == 1500 and ladder.verdict() == "1250/s"


def test_a_single_noisy_failure_does_not_end_the_climb():
    ladder, tried = climb(3000, bisections=1, noisy={500})
    assert tried[:3] == [250, 500, 500] and ladder.best == 3000  # 500 failed once, then passed; on it went
    assert tried[-3:] == [4000, 4000, 3000]


def test_a_route_that_never_fails_is_reported_as_at_least_the_top():
    ladder, tried = climb(10_000)
    assert tried == [250, 500, 1000, 2000, 4000] and ladder.verdict() == "≥ 4000/s"


def test_a_route_that_fails_the_first_rung_bisects_below_it():
    ladder, tried = climb(100, bisections=2)
    assert tried == [250, 250, 125, 125, 60] and ladder.failed == 125 and ladder.verdict() == "60/s"
