"""First useful frame of `byok-tui demo` in a pseudo-terminal (as over SSH), against a bare Textual app.

Both are started the same way (a new Python process on a PTY of 80x24) and timed until their first
useful frame reaches the terminal: for the bare app (Header, Static, Footer) its text; for the demo, the
Sign-in step's own purpose line, which only the composed Sign-in screen draws (not the header, the stepper
or any splash). Runs alternate to share the machine's noise; medians are compared.

Then the same two start-ups run instrumented, to say where the time goes: each stage's median, and which
heavy SDK modules (azure, msgraph, httpx, cryptography...) were already loaded when the first frame was
drawn (the goal: none of them), and the CPU time each start-up took to its first frame (steadier than
wall time on a shared machine).

The demo is timed twice per round, with the performance package (byok_tui.perf) on and off; the goal is
for "off" (stock Textual only).

    python bench/startup.py [--runs 5] [--no-stages]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.3
PERF_ENV = "BYOK_TUI_PERF"
"""byok_tui.perf.ENV (not imported: this script imports no part of the wizard)."""

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("byok-tui baseline")
        yield Footer()

Bare().run()
"""
BARE_MARKER = rb"byok-tui baseline"

DEMO_ARGS = ["-m", "byok_tui", "demo", "--faults", "latency=0ms"]
DEMO_MARKER = rb"Sign in to Azure, pick the tenant"
"""The start of `engine.signin.PURPOSE`, drawn under the Sign-in step's title."""

# --- the instrumented start-ups -------------------------------------------------------------------------
# Each mark is (stage, time.perf_counter()); perf_counter is CLOCK_MONOTONIC on Linux, so the child's marks
# and the parent's spawn time share one clock. The first frame is seen by wrapping App._display (private,
# but this is a benchmark): it is where Textual writes a frame to the terminal, except while the App starts
# (`_batch_count`), when it is called but writes nothing.

PROBE = """
import json, os, sys, threading, time
MARKS = [("python start-up", time.perf_counter())]
HEAVY = ("azure", "msgraph", "msgraph_core", "kiota_http", "kiota_abstractions", "httpx", "aiohttp",
         "cryptography", "msal")

def mark(stage):
    MARKS.append((stage, time.perf_counter()))

def report(extra):
    with open(os.environ["STARTUP_REPORT"], "w") as f:
        json.dump({"marks": MARKS, **extra}, f)

def heavy():
    found = set()
    for name in list(sys.modules):
        parts = name.split(".")
        if parts[0] == "azure" and len(parts) > 1:  # azure.core, azure.mgmt ...: say which
            found.add(".".join(parts[:2]))
        elif parts[0] in HEAVY and parts[0] != "azure":
            found.add(parts[0])
    return sorted(found)
"""

DEMO_PROBE = (
    PROBE
    + """
import byok_tui.cli as cli
mark("import byok_tui.cli")
import textual.app
mark("import textual (the baseline pays it too)")
import byok_tui.app
import byok_tui.screens.signin
mark("import the App and the Sign-in screen")

run = byok_tui.app.ByokApp.run
def timed_run(self, *args, **kwargs):
    mark("options, sandbox handle, profile, build_app")
    return run(self, *args, **kwargs)
byok_tui.app.ByokApp.run = timed_run

display = textual.app.App._display
def first_frame(self, screen, renderable):
    display(self, screen, renderable)
    if renderable is not None and not self._batch_count and getattr(self.screen, "STEP_ID", "") and len(MARKS) == 5:
        mark("App.run to the first frame")
        cpu = time.process_time()
        loaded = heavy()
        building = [t.name for t in threading.enumerate()].count("sandbox-build") > 0
        def after():
            try:
                wait_for_build()
            except BaseException as exc:
                report({"error": repr(exc)})
        def wait_for_build():
            deadline, builder = time.perf_counter() + 5, None
            while builder is None and time.perf_counter() < deadline:
                builder = next((t for t in threading.enumerate() if t.name == "sandbox-build"), None)
                time.sleep(0 if builder else 0.002)
            while builder is not None:
                try:
                    builder.join()
                    break
                except RuntimeError:  # found between start() and its first instruction
                    time.sleep(0.001)
            mark("after it, in a thread: the sandbox")
            report({"heavy_at_first_frame": loaded, "build_started_before_frame": building,
                    "build_seen": builder is not None, "cpu_at_first_frame": cpu})
        threading.Thread(target=after, daemon=True).start()
textual.app.App._display = first_frame
sys.exit(cli.main(sys.argv[1:]))
"""
)

BARE_PROBE = (
    PROBE
    + """
import textual.app
from textual.widgets import Footer, Header, Static
mark("import textual (the baseline pays it too)")

display = textual.app.App._display
def first_frame(self, screen, renderable):
    display(self, screen, renderable)
    if renderable is not None and not self._batch_count and len(MARKS) == 2:
        mark("App.run to the first frame")
        report({"heavy_at_first_frame": heavy(), "cpu_at_first_frame": time.process_time()})
textual.app.App._display = first_frame

class Bare(textual.app.App):
    def compose(self):
        yield Header()
        yield Static("byok-tui baseline")
        yield Footer()

Bare().run()
"""
)

ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def on_pty(argv: list[str], done, timeout: float = 30.0, env: dict[str, str] | None = None) -> float:
    """Run `argv` on an 80x24 PTY until `done(screen_bytes)` is true; seconds from spawn until then."""
    main, secondary = pty.openpty()
    os.set_blocking(main, False)
    env = {**os.environ, **(env or {}), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True
    )
    os.close(secondary)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([main], [], [], 0.01)
            if ready:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
            if done(seen):
                return time.perf_counter() - start
        tail = ANSI.sub(b"", seen)[-300:]
        raise RuntimeError(f"{argv[1:]} did not finish within {timeout} s; the screen ended with {tail!r}")
    finally:
        proc.kill()
        proc.wait()
        os.close(main)


def first_frame(argv: list[str], marker: bytes, env: dict[str, str] | None = None) -> float:
    """Seconds from spawn until `marker` has been painted on the PTY (escape sequences ignored)."""
    return on_pty(argv, lambda seen: re.search(marker, ANSI.sub(b"", seen)) is not None, env=env)


def stages(argv: list[str]) -> dict:
    """One instrumented start-up: {"stages": [(name, ms)], "heavy_at_first_frame": [...]}, with the
    performance package off (the goal's configuration)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        start = time.perf_counter()
        on_pty(argv, lambda _seen: out.exists() and out.stat().st_size > 0,
               env={"STARTUP_REPORT": str(out), PERF_ENV: "off"})  # fmt: skip
        time.sleep(0.05)  # the report is written in one call; let it land whole
        data = json.loads(out.read_text())
    if "error" in data:
        raise RuntimeError(f"the instrumented start-up failed: {data['error']}")
    previous, named = start, []
    for name, at in data.pop("marks"):
        named.append((name, (at - previous) * 1000))
        previous = at
    return {"stages": named, **data}


def print_stages(demo_runs: list[dict], bare_runs: list[dict]) -> None:
    def medians(runs: list[dict]) -> dict[str, float]:
        names = [name for name, _ in runs[0]["stages"]]
        return {n: statistics.median(dict(r["stages"])[n] for r in runs) for n in names}

    demo, bare = medians(demo_runs), medians(bare_runs)
    after = "after it, in a thread: the sandbox"
    print(f"\nwhere the time goes (median of {len(demo_runs)} instrumented runs, perf package off, ms)")
    print(f"  {'stage':<46}{'demo':>8}{'bare':>8}")
    for name in demo:
        if name != after:
            bare_ms = f"{bare[name]:8.0f}" if name in bare else f"{'-':>8}"
            print(f"  {name:<46}{demo[name]:8.0f}{bare_ms}")
    total_demo = sum(v for k, v in demo.items() if k != after)
    print(f"  {'= first frame':<46}{total_demo:8.0f}{sum(bare.values()):8.0f}")
    built_after = [dict(r["stages"])[after] for r in demo_runs if r.get("build_seen")]
    if built_after:
        label = "then, off the first frame: the sandbox ready"
        print(f"  {label:<46}{statistics.median(built_after):+8.0f}")
    # CPU time (the process's, from its start) is what the start-up costs, without the waits for a CPU that
    # wall time adds on a busy machine: a steadier ratio when others run benchmarks too.
    cpu_demo, cpu_bare = (statistics.median(r["cpu_at_first_frame"] for r in runs) * 1000
                          for runs in (demo_runs, bare_runs))  # fmt: skip
    print(f"  CPU time to the first frame: demo {cpu_demo:.0f} ms, bare {cpu_bare:.0f} ms: "
          f"{cpu_demo / cpu_bare:.2f}x")  # fmt: skip
    heavy = sorted({m for r in demo_runs for m in r["heavy_at_first_frame"]})
    print(f"  heavy modules loaded at the first frame: {', '.join(heavy) or 'none'}")
    early = sum(bool(r.get("build_started_before_frame")) for r in demo_runs)
    if early:
        print(f"  in {early} of {len(demo_runs)} runs the sandbox build began before the first frame")
    if not all(r.get("build_seen") for r in demo_runs):
        print("  in some runs no sandbox build was seen after the first frame (built before it?)")


def compile_sources() -> None:
    """Byte-compile the package, as installing it does. Otherwise every start compiles each module changed
    since its .pyc was written (never, under PYTHONDONTWRITEBYTECODE): a cost no installed copy pays."""
    import compileall
    import importlib.util

    for package in ("byok_tui", "byok_tui.screens"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(location, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-stages", action="store_true", help="only the ratio, no instrumented runs")
    args = parser.parse_args()
    compile_sources()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BARE_APP)
        bare = [sys.executable, f.name]
    demo = [sys.executable, *DEMO_ARGS]
    # The demo twice: with the performance package (byok_tui.perf) on, and off (stock Textual only). The
    # goal is for "off".
    ours, stock, base = [], [], []
    for _ in range(args.runs):
        base.append(first_frame(bare, BARE_MARKER))
        ours.append(first_frame(demo, DEMO_MARKER))
        stock.append(first_frame(demo, DEMO_MARKER, env={PERF_ENV: "off"}))
    b = statistics.median(base)
    print(f"bare Textual app, first frame:            median {b * 1000:4.0f} ms (min {min(base) * 1000:.0f}) "
          f"over {args.runs} runs")  # fmt: skip
    for label, runs in (("perf package on", ours), ("perf package off", stock)):
        o = statistics.median(runs)
        verdict = "met" if o / b <= GOAL else "not met"
        print(f"byok-tui demo, Sign-in drawn, {label + ':':<18} median {o * 1000:4.0f} ms "
              f"(min {min(runs) * 1000:.0f}): {o / b:.2f}x (goal: at most {GOAL}x: {verdict})")  # fmt: skip
    if args.no_stages:
        return
    demo_runs, bare_runs = [], []
    for _ in range(args.runs):
        bare_runs.append(stages([sys.executable, "-c", BARE_PROBE]))
        demo_runs.append(stages([sys.executable, "-c", DEMO_PROBE, *DEMO_ARGS[2:]]))
    print_stages(demo_runs, bare_runs)


if __name__ == "__main__":
    main()
