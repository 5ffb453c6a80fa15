"""`byok-tui sandbox serve`: what it prints and writes, what it refuses, and how it stops."""

from __future__ import annotations

import os
import socket
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from byok_tui import profile
from byok_tui.sandbox import Sandbox
from byok_tui.testing.served import Served, clean_env

EXPORTED = ["HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET", "BYOK_TUI_PROFILE", "KORE_API_CLIENT_SECRET", "PATH"]  # fmt: skip


def test_it_prints_ready_to_paste_exports_and_writes_what_they_name(served: Served):
    assert list(served.exports) == EXPORTED
    assert served.proxy.startswith("http://127.0.0.1:")
    sb = Sandbox.load(served.state)
    assert served.exports["AZURE_TENANT_ID"] == sb.tenant_id
    ca = Path(served.exports["SSL_CERT_FILE"]).read_text(encoding="ascii")
    assert ca.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE KEY" not in ca
    assert served.exports["REQUESTS_CA_BUNDLE"] == served.exports["SSL_CERT_FILE"]
    shipped = profile.load(served.exports["BYOK_TUI_PROFILE"])
    assert shipped == sb.profile()
    env_file = served.state.with_name("world.env.sh")
    assert stat.S_IMODE(os.stat(env_file).st_mode) == 0o600
    assert f"export AZURE_TENANT_ID={sb.tenant_id}" in env_file.read_text()
    az = served.exports["PATH"].split(":")[0] + "/az"
    assert os.access(az, os.X_OK)
    assert stat.S_IMODE(os.stat(served.state.with_name("world.az.json")).st_mode) == 0o600


def test_a_host_it_does_not_emulate_is_refused_and_never_forwarded(served: Served):
    with httpx.Client(
        proxy=served.proxy, verify=ssl.create_default_context(cafile=served.exports["SSL_CERT_FILE"])
    ) as client:
        with pytest.raises(httpx.ProxyError, match="403"):
            client.get("https://example.com/")
        with pytest.raises(httpx.ProxyError, match="502"):  # a vault name with no vault: no DNS record
            client.get("https://kv-nobody-has.vault.azure.net/keys?api-version=7.5")


def test_the_tls_it_presents_verifies_against_its_ca_only(served: Served):
    with httpx.Client(
        proxy=served.proxy, verify=ssl.create_default_context(cafile=served.exports["SSL_CERT_FILE"])
    ) as client:
        assert (
            client.get("https://management.azure.com/subscriptions?api-version=2022-12-01").status_code == 401
        )
    with (
        httpx.Client(proxy=served.proxy) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY"),
    ):
        client.get("https://management.azure.com/subscriptions?api-version=2022-12-01")


def test_the_operator_page_lists_no_pending_sign_in_and_approve_refuses_an_unknown_code(served: Served):
    with httpx.Client(trust_env=False) as client:
        page = client.get(served.proxy + "/")
    assert page.status_code == 200 and "No device sign-in is waiting" in page.text
    result = served.cli("sandbox", "approve", "NOSUCHCODE")
    assert result.returncode == 2, result.stderr
    assert "CODE" in result.stderr and "Traceback" not in result.stderr


def test_approve_with_no_sandbox_serving_says_so(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "byok_tui", "sandbox", "approve", "ABC", "--proxy",
                             f"http://127.0.0.1:{port}"], capture_output=True, text=True, env=clean_env(tmp_path))  # fmt: skip
    assert result.returncode == 2
    assert "no sandbox answers" in result.stderr and "sandbox serve" in result.stderr


def test_a_port_in_use_is_a_clear_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "byok_tui", "sandbox", "serve", "--state",
                                 str(tmp_path / "w.json"), "--port", str(port)], capture_output=True, text=True,
                                env=clean_env(tmp_path), timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert f"--port: 127.0.0.1:{port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_stops_it_cleanly_with_the_world_saved(served: Served):
    assert served.stop() == 0
    assert "world is saved" in served.process.stderr.read()  # type: ignore[union-attr]
    assert Sandbox.load(served.state).tenant_id == served.exports["AZURE_TENANT_ID"]


def test_a_damaged_world_file_is_exit_2_and_left_as_it_was(tmp_path):
    world = tmp_path / "world.json"
    world.write_text('{"kind": "byok-tui-sandbox-world", "world": {', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "byok_tui", "sandbox", "serve", "--state", str(world), "--port",
                             "0"], capture_output=True, text=True, env=clean_env(tmp_path), timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert (
        f"--state: {world} is not a byok-tui sandbox world" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert world.read_text(encoding="utf-8") == '{"kind": "byok-tui-sandbox-world", "world": {'
