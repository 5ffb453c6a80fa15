"""A jump host's network gone wrong, through the served sandbox: a wrong proxy, a refused tunnel and an
untrusted CA each end a headless run with one message naming the variable to fix, exit 3, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from byok_tui.testing.served import Served
from tests.served.test_live_flow import answers, signed_in


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(
    served: Served,
    tmp_path: Path,
    method: str,
    *extra: str,
    env: dict[str, str],
    without: tuple[str, ...] = (),
):
    return served.cli("run", "--answers", str(answers(served, tmp_path, method)), "--session",
                      str(tmp_path / "session.json"), "--yes", *extra, env=env, without=without, timeout=180)  # fmt: skip


@pytest.mark.parametrize("method", ["environment", "device-code"])
def test_a_proxy_that_cannot_be_reached_names_https_proxy(served: Served, tmp_path: Path, method: str):
    result = run(served, tmp_path, method, env={"HTTPS_PROXY": f"http://127.0.0.1:{closed_port()}"})
    assert result.returncode == 3, result.stderr
    assert "The proxy in HTTPS_PROXY could not be reached (http://127.0.0.1:" in result.stderr
    assert "Fix: Correct HTTPS_PROXY" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_tunnel_names_the_host_and_no_proxy(served: Served, tmp_path: Path):
    """The served sandbox emulates the public cloud only: to US Government's Entra ID it refuses the CONNECT,
    as a strict company proxy refuses a host it was not told about."""
    result = run(served, tmp_path, "environment", "--cloud", "AzureUSGovernment", env={})
    assert result.returncode == 3, result.stderr
    assert (
        "The proxy in HTTPS_PROXY refused the tunnel to login.microsoftonline.us (403 Forbidden)"
        in result.stderr
    )
    assert "NO_PROXY" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("method", "variable"), [("environment", "SSL_CERT_FILE"),
                                                  ("device-code", "REQUESTS_CA_BUNDLE")])  # fmt: skip
def test_a_ca_this_machine_does_not_trust_names_the_bundle_variable(served: Served, tmp_path: Path, method: str,
                                                                    variable: str):  # fmt: skip
    result = run(served, tmp_path, method, env={}, without=(variable,))
    assert result.returncode == 3, result.stderr
    assert "is not trusted by this machine" in result.stderr
    assert f"Fix: {variable} is not set." in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_through_a_dead_proxy_is_exit_3_with_the_fix(served: Served, tmp_path: Path):
    session = str(tmp_path / "session.json")
    done = signed_in(served, "run", "--answers", str(answers(served, tmp_path, "environment")), "--session", session,
                     "--yes")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = served.cli(
        "verify", "--session", session, env={"HTTPS_PROXY": f"http://127.0.0.1:{closed_port()}"}
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "The proxy in HTTPS_PROXY could not be reached" in result.stderr
