"""Full collections freeze their survivors; compaction waits for growth and a quiet moment."""

from __future__ import annotations

import gc
import sys
import types
import weakref

import pytest

from byok_tui.idle_gc import FULL_EVERY, QUIET_GAP_S, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def installed():
    made: list[IdleCollector] = []

    def make(**kwargs) -> IdleCollector:
        collector = IdleCollector(**kwargs)
        collector.install()
        made.append(collector)
        return collector

    yield make
    for collector in made:
        collector.uninstall()


def test_a_full_collection_freezes_what_survived_it(installed):
    installed()
    keep = [Cycle() for _ in range(1000)]
    before = gc.get_freeze_count()
    gc.collect()
    assert gc.get_freeze_count() >= before + 1000
    assert not any(o is keep[0] for o in gc.get_objects())  # the next collection will not scan it


def test_the_growth_is_counted_as_it_is_frozen_not_by_walking_the_frozen_set(installed, monkeypatch):
    clock = Clock()
    idle = installed(idle_after=2.0, growth=10**9, clock=clock)
    keep = [Cycle() for _ in range(1000)]
    before = gc.get_freeze_count()
    walks: list[int] = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: walks.append(1) or 0)
    gc.collect()
    gc.collect()
    clock.now += 2.5
    for _ in range(3):
        assert not idle.tick(busy=False)  # quiet, so the growth is looked at: without a walk
    monkeypatch.undo()
    assert not walks
    assert 1000 <= idle.frozen_since_compaction <= gc.get_freeze_count() - before + 50
    assert keep


def test_young_collections_freeze_nothing(installed):
    installed()
    before = gc.get_freeze_count()
    gc.collect(1)
    assert gc.get_freeze_count() == before


def test_compaction_frees_cyclic_garbage_that_was_frozen_alive(installed):
    clock = Clock()
    idle = installed(idle_after=2.0, growth=1, clock=clock)
    doomed = Cycle()
    gc.collect()  # frozen while alive
    probe = weakref.ref(doomed)
    del doomed
    gc.collect()
    assert probe() is not None  # frozen garbage outlives ordinary collections...
    clock.now += 2.5
    assert idle.tick(busy=False)
    assert probe() is None  # ...until a compaction
    assert idle.compactions == 1


def test_no_compaction_while_keys_keep_coming_or_a_worker_runs(installed):
    clock = Clock()
    idle = installed(idle_after=2.0, growth=1, clock=clock)
    keep = [Cycle() for _ in range(10)]
    gc.collect()
    for _ in range(10):
        clock.now += 0.5
        idle.activity()
        assert not idle.tick(busy=False)
    clock.now += 5
    assert not idle.tick(busy=True)
    assert idle.compactions == 0 and keep


def test_no_compaction_before_enough_was_frozen(installed):
    clock = Clock()
    idle = installed(idle_after=2.0, growth=10**9, clock=clock)
    gc.collect()
    clock.now += 60
    assert not idle.tick(busy=False)


def test_after_a_compaction_the_next_waits_for_new_growth(installed):
    clock = Clock()
    idle = installed(idle_after=2.0, growth=500, clock=clock)
    keep = [Cycle() for _ in range(1000)]
    gc.collect()
    clock.now += 2.5
    assert idle.tick(busy=False)
    clock.now += 2.5
    assert not idle.tick(busy=False)  # nothing new frozen since
    assert keep


def test_uninstall_stops_freezing_and_hands_everything_back():
    idle = IdleCollector()
    idle.install()
    idle.install()  # twice is harmless
    gc.collect()
    assert gc.get_freeze_count() > 0
    idle.uninstall()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gc.get_freeze_count() == 0


def test_python_starts_full_collections_on_the_set_schedule_and_the_default_returns():
    default = gc.get_threshold()
    gc.set_threshold(default[0], default[1], 3)
    try:
        idle = IdleCollector()
        idle.install()
        try:
            assert gc.get_threshold()[2] == FULL_EVERY  # the rest are run by `tick`, between frames
        finally:
            idle.uninstall()
        assert gc.get_threshold()[2] == 3
    finally:
        gc.set_threshold(*default)


@pytest.fixture
def full_collections():
    started: list[int] = []

    def callback(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            started.append(2)

    gc.callbacks.append(callback)
    yield started
    gc.callbacks.remove(callback)


def test_an_on_time_tick_runs_the_full_collection_python_would_start_next(installed, full_collections):
    clock = Clock()
    idle = installed(growth=10**9, clock=clock)
    idle.tick(busy=True)
    gc.collect(1)  # a young collection since the last full one: Python would start a full one later
    assert gc.get_count()[2] > 0
    full_collections.clear()
    clock.now += 0.5
    assert not idle.tick(busy=True)  # not a compaction (a worker may run: this one is short)...
    assert full_collections == [2]  # ...but the full collection, between frames
    assert gc.get_count()[2] == 0


def test_a_late_tick_leaves_the_collection_to_python(installed, full_collections):
    clock = Clock()
    idle = installed(growth=10**9, clock=clock)
    idle.tick(busy=False)
    gc.collect(1)
    full_collections.clear()
    clock.now += 0.5 + 2 * QUIET_GAP_S  # the loop was busy when it was due: a collection now would add to it
    idle.tick(busy=False)
    assert full_collections == []


def test_a_tick_with_nothing_due_collects_nothing(installed, full_collections):
    clock = Clock()
    idle = installed(growth=10**9, clock=clock)
    idle.tick(busy=False)
    gc.collect()
    full_collections.clear()
    clock.now += 0.5
    idle.tick(busy=False)
    assert full_collections == []


def test_no_full_collection_while_modules_load(installed, full_collections, monkeypatch):
    clock = Clock()
    idle = installed(growth=10**9, clock=clock)
    idle.tick(busy=False)
    gc.collect(1)
    full_collections.clear()
    monkeypatch.setitem(sys.modules, "byok_tui_test_loading", types.ModuleType("byok_tui_test_loading"))
    clock.now += 0.5
    idle.tick(busy=False)  # a module arrived since the last tick: an import is under way, maybe in a thread
    assert full_collections == []
    clock.now += 0.5
    idle.tick(busy=False)  # none since: quiet again
    assert full_collections == [2]
