"""First painted frame of `byok-tui demo` in a pseudo-terminal (as over SSH), against a bare Textual app.

Both are started the same way (a new Python process on a PTY of 80x24) and timed until their first
full frame reaches the terminal. Runs alternate to share the machine's noise; medians are compared.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

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


ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def first_frame(argv: list[str], marker: bytes, timeout: float = 30.0) -> float:
    """Seconds from spawn until `marker` has been painted on the PTY (escape sequences ignored)."""
    main, secondary = pty.openpty()
    os.set_blocking(main, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True)
    os.close(secondary)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([main], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
                if re.search(marker, ANSI.sub(b"", seen)):
                    return time.perf_counter() - start
        raise RuntimeError(f"no frame with {marker!r} within {timeout} s")
    finally:
        proc.kill()
        proc.wait()
        os.close(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BARE_APP)
        bare = [sys.executable, f.name]
    demo = [sys.executable, "-m", "byok_tui", "demo", "--faults", "latency=0ms"]
    ours, base = [], []
    for _ in range(args.runs):
        base.append(first_frame(bare, rb"baseline"))
        # The demo's first frame: its sign-in splash or its first step screen, whichever paints first.
        ours.append(first_frame(demo, rb"Signing|Sign in|Key Vault"))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"bare Textual app, first frame: median {b * 1000:.0f} ms over {args.runs} runs")
    print(f"byok-tui demo, first frame:    median {o * 1000:.0f} ms over {args.runs} runs")
    print(f"ratio: {o / b:.2f}x (goal: at most 1.3x)")


if __name__ == "__main__":
    main()
