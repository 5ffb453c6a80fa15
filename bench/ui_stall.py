"""The longest UI stall (event-loop lag) while the TUI runs the whole flow on the sandbox.

    python bench/ui_stall.py [--scenario big-account] [--size 120x40] [--asyncio-debug] [--perf both|off|on]

Builds the shipped App (`build_app`) on a fresh sandbox world with the demo's latencies
(`cli.DEMO_LATENCY`, real time), with a session file, and drives every screen with keys as a person
would, under Textual's Pilot: sign-in, authorize, vault, access, share, network, enterprise key, test
configuration, apps (load + select), confirm (proceed), validation.

A probe task on the App's event loop sleeps 5 ms at a time and records how late it wakes: that lateness
is how long a key press or a repaint would have waited. It starts once Sign-in is on screen: before that the
terminal shows nothing, and the first frame has its own bench and goal (`bench/startup.py`). A watchdog thread samples the loop thread's
stack while the probe is overdue, so each long stall is reported with the code that held the loop.
`--asyncio-debug` also turns on asyncio's debug mode and lists the callbacks it flags as slow (it slows
everything down, so its stall figures are not the ones to quote).

The baseline is the same probe, in this same process, in a bare Textual app with an Input being typed
into for as long as the flow took. Printed: longest stall, p99, stall per step, the ratio to the
baseline, and the goal: longest stall under 50 ms. The flow runs twice in the one process: with the
performance package (`byok_tui.perf`: its Textual-internal parts) off, then on; the goal is for "off".

Not a timed test: numbers depend on the machine. The Pilot itself runs on the same loop (each press
waits for the app to go idle), in the flow and in the baseline alike.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import logging
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Input  # noqa: E402

from byok_tui import perf  # noqa: E402
from byok_tui.app import build_app  # noqa: E402
from byok_tui.cli import DEMO_LATENCY  # noqa: E402
from byok_tui.sandbox import Sandbox  # noqa: E402
from byok_tui.session import Session  # noqa: E402
from byok_tui.testing.pilot import keys_choose as choose  # noqa: E402
from byok_tui.testing.pilot import keys_pick_radio as pick_radio  # noqa: E402
from byok_tui.testing.pilot import keys_type_into as type_into  # noqa: E402

GOAL_MS = 50.0
TICK = 0.005
"""The probe's sleep: a stall shorter than this cannot be seen."""
WATCH_FROM = 0.025
"""The watchdog samples the loop thread's stack once the probe is this late."""


# --- the probe -------------------------------------------------------------------------------------


@dataclass
class Stall:
    label: str
    ms: float
    stacks: collections.Counter[str] = field(default_factory=collections.Counter)
    gc_ms: float = 0.0
    """Time spent in full (generation 2) garbage collections during the stall: a process-wide pause."""


class LoopProbe:
    """Sleeps TICK on the running loop, again and again, recording how late each wake-up is (ms) under
    the current `label`. A watchdog thread samples the loop thread's stack while a wake-up is overdue."""

    def __init__(self) -> None:
        self.label = "start"
        self.lags: list[tuple[str, float]] = []
        self.stalls: list[Stall] = []
        self._due = 0.0
        self._current: Stall | None = None
        self._samples: collections.Counter[str] = collections.Counter()
        self._gc_started = 0.0
        self._gc_ms = 0.0
        self.full_gcs: list[float] = []
        self.peak_mb = 0.0
        """Peak resident memory of the process (sandbox included) at the end of the flow."""
        self.tracked = (0, 0, 0)
        """(objects the collector scans, objects frozen, idle compactions) at the end of the flow."""
        self._stop = threading.Event()
        self._loop_thread = threading.get_ident()
        self._task: asyncio.Task[None] | None = None
        self._watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    async def __aenter__(self) -> LoopProbe:
        self._loop_thread = threading.get_ident()
        self._task = asyncio.create_task(self._run())
        self._watchdog.start()
        gc.callbacks.append(self._gc)
        return self

    async def __aexit__(self, *args: object) -> None:
        self._stop.set()
        gc.callbacks.remove(self._gc)
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._watchdog.join()

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        self.label = label
        started = time.perf_counter()
        yield
        print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            self._due = started + TICK
            await asyncio.sleep(TICK)
            woke = time.perf_counter()
            late = max(0.0, (woke - started - TICK) * 1000)
            self.lags.append((self.label, late))
            samples, self._samples = self._samples, collections.Counter()
            gc_ms, self._gc_ms = self._gc_ms, 0.0
            if late >= WATCH_FROM * 1000:
                self.stalls.append(Stall(self.label, late, samples, gc_ms))

    def _gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            ms = (time.perf_counter() - self._gc_started) * 1000
            self._gc_ms += ms
            self.full_gcs.append(ms)

    def _watch(self) -> None:
        while not self._stop.wait(0.002):
            due = self._due
            if due and time.perf_counter() - due > WATCH_FROM:
                frame = sys._current_frames().get(self._loop_thread)
                if frame is not None:
                    self._samples[_where(frame)] += 1

    def by_step(self) -> dict[str, list[float]]:
        steps: dict[str, list[float]] = {}
        for label, late in self.lags:
            steps.setdefault(label, []).append(late)
        return steps


def _where(frame) -> str:
    """The innermost frames of the loop thread, the project's own first: where the time goes."""
    stack = traceback.extract_stack(frame)
    ours = [f for f in stack if "/byok_tui/" in f.filename or "/screens/" in f.filename]
    inner = stack[-1]
    parts = [f"{_short(f.filename)}:{f.lineno} {f.name}" for f in ours[-2:]]
    parts.append(f"{_short(inner.filename)}:{inner.lineno} {inner.name}")
    return " → ".join(dict.fromkeys(parts))


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/byok_tui/", "/lib/python3"):
        if marker in filename:
            return (
                filename.split(marker, 1)[1]
                if marker != "/byok_tui/"
                else "byok_tui/" + filename.split(marker, 1)[1]
            )
    return filename


# --- asyncio's own view (--asyncio-debug) ----------------------------------------------------------


class SlowCallbacks(logging.Handler):
    """Collects asyncio's "Executing <Handle …> took 0.123 seconds" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[tuple[str, str]] = []
        self.label = "start"

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing"):
            self.found.append((self.label, message[:300]))


# --- the flow, driven by keys ----------------------------------------------------------------------


async def first_frame(pilot) -> None:
    """Wait until the first screen (Sign-in) is on screen. Before it the terminal shows nothing: that time is
    the first frame's, which `bench/startup.py` measures against its own goal, not a stall of a UI in use."""
    while getattr(pilot.app.screen, "STEP_ID", None) != "signin":
        await pilot.pause()
    await pilot.pause()


async def settle(pilot) -> None:
    """Wait until every worker is done and the screen redrew (as the TUI tests do)."""
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if all(w.is_finished for w in pilot.app.workers):  # a worker made but not started yet counts too
            break
    await pilot.pause()


def expect(pilot, step_id: str, page: str | None = None) -> None:
    screen = pilot.app.screen
    found = getattr(screen, "STEP_ID", type(screen).__name__)
    if found != step_id or (page is not None and getattr(screen, "page", page) != page):
        raise AssertionError(f"expected {step_id} ({page}), on {found} ({getattr(screen, 'page', '-')})")


def passed(pilot, step_id: str) -> None:
    record = pilot.app.state.step(step_id)
    if record.checked not in ("pass", "warn"):
        raise AssertionError(f"{step_id}: checks did not pass ({record.checked!r})")


async def next_step(pilot, step_id: str) -> None:
    await pilot.press("n")
    await settle(pilot)
    expect(pilot, step_id)


async def review_apply(pilot, step_id: str, *, confirm: bool = False) -> None:
    await pilot.press("ctrl+r")
    await settle(pilot)
    expect(pilot, step_id, "review")
    await pilot.press("a")
    if confirm:  # a modal asks first: a worker may be waiting for the answer, so do not wait for workers
        await pilot.pause()
        await pilot.press("y")
    await settle(pilot)
    expect(pilot, step_id, "result")
    passed(pilot, step_id)


async def run_flow(pilot, probe: LoopProbe, handoff: Path) -> None:
    with probe.step("signin"):
        await settle(pilot)
        expect(pilot, "signin")
        passed(pilot, "signin")
    with probe.step("authorize"):
        await next_step(pilot, "authorize")
        await review_apply(pilot, "authorize")
    with probe.step("vault"):
        await next_step(pilot, "vault")
        await choose(pilot, "rg-select", "rg-contoso-prod")
        await type_into(pilot, "vault-name", "kv-contoso-byok")
        await review_apply(pilot, "vault", confirm=True)
    with probe.step("access"):
        await next_step(pilot, "access")
        await review_apply(pilot, "access")
    with probe.step("share"):
        await next_step(pilot, "share")
        await type_into(pilot, "share-folder", str(handoff))
        await review_apply(pilot, "share")
    with probe.step("network"):
        await next_step(pilot, "network")
        await pick_radio(pilot, "net-mode", "net-fw")
        await review_apply(pilot, "network", confirm=True)
    with probe.step("protect"):
        await next_step(pilot, "protect")
        await type_into(pilot, "prot-contacts", "secops@contoso.com")
        await review_apply(pilot, "protect")
    with probe.step("enterprise_key"):
        await next_step(pilot, "enterprise_key")
        await type_into(pilot, "ek-date", "2099-01-01")
        await review_apply(pilot, "enterprise_key")
    with probe.step("test"):
        await next_step(pilot, "test")
        await settle(pilot)
        passed(pilot, "test")
    with probe.step("apps: load"):
        await next_step(pilot, "apps")
        await pilot.press("l")
        await settle(pilot)
    with probe.step("apps: select"):
        await pilot.press("space", "down", "space", "x", "a", "down", "space")
        await pilot.press("slash", *"hr eu")
        await settle(pilot)
        await pilot.press("enter", "x", "slash", "ctrl+u", "tab")
        await settle(pilot)
        await review_apply(pilot, "apps")
    with probe.step("confirm"):
        await next_step(pilot, "confirm")
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        expect(pilot, "confirm", "result")
        passed(pilot, "confirm")
    with probe.step("validation"):
        await next_step(pilot, "validate")
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)


async def measure_flow(
    scenario: str, size: tuple[int, int], debug: SlowCallbacks | None, perf_on: bool = True
) -> tuple[LoopProbe, float, int]:
    """(probe, seconds, rows in the apps grid), with the performance package on or off."""
    # Read by `perf.install` as the App mounts; what the last flow left is collected, as a fresh process.
    os.environ[perf.ENV] = "on" if perf_on else "off"
    gc.collect()
    work = Path(tempfile.mkdtemp(prefix="byok-ui-stall-"))
    sb = Sandbox.create(scenario, DEMO_LATENCY, realtime=True)
    session = Session(work / "session.json")
    app = build_app(sb.connection(), session, None, profile=sb.profile())
    _debug_loop(debug)
    async with app.run_test(size=size) as pilot:
        assert app.perf.enabled == perf_on, app.perf.reason
        await first_frame(pilot)
        async with LoopProbe() as probe:
            if debug is not None:
                probe.step = _labelled(probe, debug)  # type: ignore[method-assign]
            started = time.perf_counter()
            await run_flow(pilot, probe, work / "handoff")
            elapsed = time.perf_counter() - started
        # Counted once the probe has stopped: gc.get_freeze_count walks every frozen object (50-80 ms here),
        # a stall of the bench's own making.
        rows = len(pilot.app.state.apps.apps)
        probe.tracked = (len(gc.get_objects()), gc.get_freeze_count(), app.idle_gc.compactions)
        probe.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return probe, elapsed, rows


def _labelled(probe: LoopProbe, debug: SlowCallbacks):
    plain = probe.step

    @contextlib.contextmanager
    def step(label: str) -> Iterator[None]:
        debug.label = label
        with plain(label):
            yield

    return step


def _debug_loop(debug: SlowCallbacks | None) -> None:
    if debug is None:
        return
    loop = asyncio.get_running_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = GOAL_MS / 1000


# --- the baseline ----------------------------------------------------------------------------------


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="type here")


async def measure_baseline(seconds: float, size: tuple[int, int]) -> LoopProbe:
    """The same probe in a bare Textual app whose Input is typed into, a key at a time, for `seconds`."""
    # A bare app in its own process would start with a small heap. Here the flow's leftovers (handed back to
    # the collector when its App closed) would make the baseline's first full collection scan them all.
    gc.collect()
    gc.freeze()
    app = Bare()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()  # its first frame, as the flow's probe starts after Sign-in's
        async with LoopProbe() as probe:
            with probe.step("baseline"):
                await pilot.press("tab")
                ends = time.perf_counter() + seconds
                while time.perf_counter() < ends:
                    await pilot.press(*"the quick brown fox ", "ctrl+u")
    return probe


# --- report ----------------------------------------------------------------------------------------


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return max(values, default=0.0)
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def report(flow: LoopProbe, seconds: float, rows: int, base: LoopProbe, debug: SlowCallbacks | None) -> bool:
    """The figures of one flow against the baseline; True if it meets the goal."""
    lags = [lag for _, lag in flow.lags]
    base_lags = [lag for _, lag in base.lags]
    worst, base_worst = max(lags), max(base_lags)
    print(
        f"whole flow: {seconds:.1f} s, {len(lags):,} probe wake-ups ({TICK * 1000:.0f} ms each), {rows:,} apps"
    )
    print(
        f"  longest stall {worst:.1f} ms · p99 {p99(lags):.1f} ms · median {statistics.median(lags):.2f} ms"
    )
    print(f"baseline (bare Textual app, typing, {seconds:.1f} s): longest {base_worst:.1f} ms · "
          f"p99 {p99(base_lags):.1f} ms · median {statistics.median(base_lags):.2f} ms")  # fmt: skip
    print(
        f"ratio flow / baseline: longest x{worst / base_worst:.2f} · p99 x{p99(lags) / max(p99(base_lags), 0.01):.2f}"
    )
    gcs = flow.full_gcs
    tracked, frozen, compactions = flow.tracked
    print(f"objects the collector tracks at the end of the flow: {tracked:,}; frozen (not scanned): {frozen:,}; "
          f"compactions: {compactions}; peak memory {flow.peak_mb:.0f} MB (sandbox included)")  # fmt: skip
    print(
        f"full garbage collections during the flow: {len(gcs)}, longest {max(gcs, default=0):.0f} ms, "
        f"total {sum(gcs):.0f} ms"
    )
    print("\nstall per step (ms):")
    print(f"  {'step':<16} {'longest':>8} {'p99':>7} {'over 50':>8} {'wake-ups':>9}")
    for label, values in flow.by_step().items():
        over = sum(1 for v in values if v >= GOAL_MS)
        print(f"  {label:<16} {max(values):8.1f} {p99(values):7.1f} {over:8d} {len(values):9,d}")
    long = sorted(flow.stalls, key=lambda s: s.ms, reverse=True)[:12]
    if long:
        print(f"\nlongest stalls (over {WATCH_FROM * 1000:.0f} ms) and where the loop thread was:")
        for stall in long:
            where = "; ".join(f"{w} ×{n}" for w, n in stall.stacks.most_common(2)) or "(not sampled)"
            collected = f" (full GC {stall.gc_ms:.0f} ms)" if stall.gc_ms else ""
            print(f"  {stall.ms:7.1f} ms  {stall.label:<15}{collected} {where}")
    if debug is not None and debug.found:
        print(f"\nasyncio debug: {len(debug.found)} callbacks over {GOAL_MS:.0f} ms (slowed by debug mode):")
        for label, message in debug.found[:15]:
            print(f"  [{label}] {message}")
    ok = worst < GOAL_MS
    print(f"\ngoal: under {GOAL_MS:.0f} ms (longest stall) -> {'OK' if ok else 'SLOW'} ({worst:.1f} ms)")
    return ok


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenario", default="big-account", help="sandbox scenario (default big-account: 5,000 bots)"
    )
    parser.add_argument("--size", default="120x40", help="terminal size (default 120x40)")
    parser.add_argument("--asyncio-debug", action="store_true", help="also list asyncio's slow callbacks")
    parser.add_argument("--perf", choices=("both", "off", "on"), default="both",
                        help="the flow with the performance package off and on (default), or one of them")  # fmt: skip
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    debug = None
    if args.asyncio_debug:
        debug = SlowCallbacks()
        logging.getLogger("asyncio").addHandler(debug)
    # Both in this one process, off first: the goal is for the flow on stock Textual. On is measured only
    # where the installed Textual is one the package was tested on (else it would run stock too).
    modes = [False] + ([True] if args.perf == "both" and perf.decide({}).enabled else [])
    if args.perf == "on":
        modes = [True]
    flows = {on: await measure_flow(args.scenario, size, debug, on) for on in modes}  # type: ignore[arg-type]
    if debug is not None:
        asyncio.get_running_loop().set_debug(False)
    seconds = statistics.mean(s for _, s, _ in flows.values())
    base = await measure_baseline(seconds, size)  # type: ignore[arg-type]
    print(f"scenario {args.scenario}, terminal {args.size}, sandbox latency {DEMO_LATENCY}, "
          f"Textual {perf.installed_textual()}")  # fmt: skip
    results = {}
    for on, (flow, flow_seconds, rows) in flows.items():
        print(f"\n=== performance package (byok_tui.perf) {'ON' if on else 'OFF: stock Textual only'} ===")
        results[on] = report(flow, flow_seconds, rows, base, debug)
    if len(flows) == 2:
        off, on = (max(lag for _, lag in flows[k][0].lags) for k in (False, True))
        print(
            f"\nlongest stall: perf off {off:.1f} ms, perf on {on:.1f} ms (goal under {GOAL_MS:.0f} ms, off)"
        )
    return 0 if results[modes[0]] else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
