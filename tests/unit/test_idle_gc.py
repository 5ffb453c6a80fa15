"""Full collections wait for a quiet moment; Python's thresholds come back afterwards."""

from __future__ import annotations

import gc

from byok_tui.idle_gc import BACKSTOP, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def collector(clock: Clock, runs: list[int]) -> IdleCollector:
    return IdleCollector(idle_after=2.0, clock=clock, collect=lambda: runs.append(1))


def _promote_something() -> None:
    # A young collection of generation 1 counts one towards a full collection.
    gc.collect(1)


def test_no_full_collection_while_keys_keep_coming_or_a_worker_runs():
    clock, runs = Clock(), []
    idle = collector(clock, runs)
    _promote_something()
    for _ in range(10):
        clock.now += 0.5
        idle.activity()
        assert not idle.tick(busy=False)
    clock.now += 5
    assert not idle.tick(busy=True)
    assert runs == []


def test_a_quiet_spell_collects_once_then_waits_for_the_next():
    clock, runs = Clock(), []
    idle = collector(clock, runs)
    _promote_something()
    clock.now += 2.5
    assert idle.tick(busy=False)
    assert idle.tick(busy=False) is False  # the quiet spell starts again after a collection
    clock.now += 2.5
    _promote_something()
    assert idle.tick(busy=False)
    assert runs == [1, 1] and idle.collections == 2


def test_install_raises_only_the_full_threshold_and_uninstall_restores_it():
    before = gc.get_threshold()
    idle = IdleCollector()
    idle.install()
    try:
        young, middle, full = gc.get_threshold()
        assert (young, middle) == before[:2] and full == max(BACKSTOP, before[2])
        idle.install()  # twice is harmless: the original is kept
    finally:
        idle.uninstall()
    assert gc.get_threshold() == before
