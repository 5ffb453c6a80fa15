"""`byok-tui sandbox serve` as a user starts it: a separate process on a free loopback port, and its exports.

Used by tests/served (real sockets, the HTTPS proxy and the CA it prints, the live code path) and by
bench/served_flow.py. Every call takes its own folder and port 0, so runs in parallel never share either.
"""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

READY = "# Ctrl-C stops the sandbox"
START_TIMEOUT = 60


@dataclass
class Served:
    """A running `sandbox serve` and the environment its exports make."""

    process: subprocess.Popen
    state: Path
    exports: dict[str, str]
    env: dict[str, str]
    printed: list[str] = field(default_factory=list)

    @property
    def proxy(self) -> str:
        return self.exports["HTTPS_PROXY"]

    def cli(self, *args: str, env: dict[str, str] | None = None, without: tuple[str, ...] = (),
            timeout: float = 300, input: str | None = None) -> subprocess.CompletedProcess:  # fmt: skip
        """`byok-tui ARGS` in a shell that pasted the exports (plus `env`, less the variables `without`)."""
        merged = {k: v for k, v in {**self.env, **(env or {})}.items() if k not in without}
        return subprocess.run([sys.executable, "-m", "byok_tui", *args], capture_output=True, text=True,
                              env=merged, timeout=timeout, input=input)  # fmt: skip

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "byok_tui", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**self.env, **(env or {})})  # fmt: skip

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def clean_env(tmp_path: Path) -> dict[str, str]:
    """This machine's environment without any Azure or proxy settings of the developer's own."""
    drop = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
            "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "BYOK_TUI_PROFILE",
            "BYOK_TUI_SESSION", "KORE_API_CLIENT_SECRET", "SSH_CONNECTION", "SSH_TTY"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["BYOK_TUI_LOG"] = str(tmp_path / "byok-tui.log")
    return env


def parse_exports(lines: list[str], base_path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        if not line.startswith("export "):
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = shlex.split(value)[0]
        found[name] = value.replace("$PATH", base_path)
    return found


def start_served(tmp_path: Path, *extra: str, state: Path | None = None) -> Served:
    state = state or tmp_path / "world" / "world.json"
    env = clean_env(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "byok_tui", "sandbox", "serve", "--state", str(state), "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    printed: list[str] = []
    while True:
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            process.kill()
            raise AssertionError(
                f"sandbox serve printed no exports in {START_TIMEOUT} s: {printed}"
            ) from None
        if line is None:
            raise AssertionError(f"sandbox serve exited {process.wait()}: {process.stderr.read()}")  # type: ignore[union-attr]
        printed.append(line)
        if line.startswith(READY):
            break
    exports = parse_exports(printed, env.get("PATH", ""))
    return Served(process, state, exports, {**env, **exports}, printed)
