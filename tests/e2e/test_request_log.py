"""The log of a whole headless run: a line for every kind of request, and no secret anywhere in it."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from byok_tui.sandbox import Sandbox
from byok_tui.testing.cli import run as run_in_process
from tests.e2e.test_full_run import CONSOLE, FULL

LINE = re.compile(r"INFO byok_tui\.requests: (?P<method>GET|PUT|POST|PATCH|DELETE) (?P<url>https://\S+) "
                  r"-> (?P<status>\d{3}) in (?P<ms>\d+) ms \(request id (?P<rid>[0-9A-Za-z-]{8,})\)$")  # fmt: skip
HOSTS = {
    "ARM": "https://management.azure.com/",
    "Key Vault data plane": ".vault.azure.net/",
    "Graph": "https://graph.microsoft.com/",
    "Kore": "https://bots.kore.ai.sandbox/",
}


@pytest.fixture
def full_flow(tmp_path: Path):
    """A fresh world and answers for the whole flow, with apps read from Kore's API (a secret to leak)."""
    world = tmp_path / "world.json"
    Sandbox.create("default").save(world)
    sb = Sandbox.load(world)
    console = CONSOLE.replace("{deselect}", "").replace(
        'source = "sandbox"', f'source = "kore-api"\nclient_id = "{sb.kore_api_client_id}"'
    )
    answers = tmp_path / "answers.toml"
    answers.write_text((FULL.replace("{export}", str(tmp_path / "out")) + console).format(
        tenant=sb.tenant_id, subscription=sb.subscription_id))  # fmt: skip
    canaries = [sb.kore_api_client_secret]
    canaries += [app["clientSecret"] for bot in sb.world.kore.bots for app in bot.get("jwtApps", [])]
    env = {"KORE_API_CLIENT_SECRET": sb.kore_api_client_secret, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "HOME": str(tmp_path / "home"), "XDG_STATE_HOME": str(tmp_path / "state")}  # fmt: skip

    def cli(*args: str) -> subprocess.CompletedProcess:
        # In-process, with exactly this environment for the call; the log is the real file a user's run
        # writes (tests/reliability/test_secrets.py scans a real process's too).
        return run_in_process(*args, env=env)

    def run(*extra: str) -> subprocess.CompletedProcess:
        return cli("run", "--answers", str(answers), "--sandbox-state", str(world),
                   "--session", str(tmp_path / "session.json"), "--yes", *extra)  # fmt: skip

    run.cli = cli  # type: ignore[attr-defined]
    run.canaries = canaries  # type: ignore[attr-defined]
    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


def request_lines(text: str) -> list[re.Match]:
    return [m for m in map(LINE.search, text.splitlines()) if m]


def test_every_kind_of_request_is_logged_with_status_time_and_request_id(full_flow):
    log = full_flow.tmp / "byok.log"
    result = full_flow("--json", "--log-file", str(log))
    assert result.returncode == 0, result.stderr
    text = log.read_text()
    lines = request_lines(text)
    for service, marker in HOSTS.items():
        assert any(marker in m["url"] for m in lines), f"no {service} request in the log"
    # Every request line is complete: a request line the pattern misses is a malformed one.
    assert len(lines) == text.count("byok_tui.requests:")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    # --json keeps stdout for the report, and without --verbose nothing is echoed.
    assert result.stdout.lstrip().startswith("{") and "byok_tui.requests" not in result.stderr
    assert not (full_flow.tmp / "state").exists(), "--log-file given, yet the default log was written"
    for canary in full_flow.canaries:
        assert canary not in text
    assert "eyJ" not in text and "bearer" not in text.lower()


def test_verbose_echoes_requests_and_the_default_log_is_used(full_flow):
    result = full_flow("--verbose")
    assert result.returncode == 0, result.stderr
    default = full_flow.tmp / "state" / "byok-tui" / "log" / "byok-tui.log"
    assert stat.S_IMODE(default.stat().st_mode) == 0o600
    logged = request_lines(default.read_text())
    echoed = [
        line for line in result.stderr.splitlines() if re.match(r"(GET|PUT|POST|PATCH|DELETE) https://", line)
    ]
    assert len(echoed) == len(logged) > 10
    assert any("graph.microsoft.com" in line for line in echoed)
    for canary in full_flow.canaries:
        assert canary not in result.stderr + result.stdout


def test_retries_are_logged_one_line_per_attempt(full_flow):
    log = full_flow.tmp / "faults.log"
    result = full_flow("--log-file", str(log), "--faults", "throttle:arm=0.3,seed=7")
    assert result.returncode == 0, result.stderr
    statuses = [m["status"] for m in request_lines(log.read_text()) if HOSTS["ARM"] in m["url"]]
    assert "429" in statuses and "200" in statuses


def test_a_failed_run_ends_by_naming_the_default_log(full_flow):
    result = full_flow.cli("verify", "--session", str(full_flow.tmp / "no-session.json"))
    assert result.returncode == 2
    default = full_flow.tmp / "state" / "byok-tui" / "log" / "byok-tui.log"
    assert result.stderr.rstrip().splitlines()[-1] == f"details: {default}"
    assert "verify failed" in default.read_text()
