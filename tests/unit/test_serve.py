"""`byok-tui serve`: what it runs for each browser session, where it listens, and that it really serves."""

from __future__ import annotations

import asyncio
import logging
import shlex
import socket
import subprocess
import sys
import time

import pytest

from byok_tui import serve
from byok_tui.cli import build_parser, main
from byok_tui.errors import InputError


def parse(*argv: str):
    return build_parser().parse_args(["serve", *argv])


def test_defaults_listen_on_loopback_port_8000_and_serve_the_demo():
    args = parse()
    assert (args.host, args.port, args.public, args.live) == ("127.0.0.1", 8000, False, False)
    assert serve.app_args(args) == ["demo"]
    assert serve.command_line(args, python="/opt/py/bin/python") == "/opt/py/bin/python -m byok_tui demo"


def test_demo_and_common_options_are_forwarded_and_serve_options_are_not():
    args = build_parser().parse_args(["--session", "/tmp/s.json", "serve", "--port", "9001", "--host", "::1",
                                      "--scenario", "restricted", "--faults", "throttle:arm=0.2,seed=7",
                                      "--sandbox-state", "w.json", "--log-file", "l.log", "-v"])  # fmt: skip
    forwarded = serve.app_args(args)
    assert forwarded[0] == "demo"
    assert not {"--port", "--host", "9001", "::1", "--public", "--live"} & set(forwarded)
    # The demo each browser session runs gets exactly the options serve was given.
    demo = build_parser().parse_args(forwarded)
    assert (demo.command, demo.session, demo.log_file, demo.verbose) == ("demo", "/tmp/s.json", "l.log", True)
    assert (demo.scenario, demo.faults, demo.sandbox_state) == (
        "restricted",
        "throttle:arm=0.2,seed=7",
        "w.json",
    )
    assert shlex.split(serve.command_line(args, python="py")) == ["py", "-m", "byok_tui", *forwarded]


def test_the_command_line_is_quoted_for_the_shell():
    args = parse("--sandbox-state", "my world; rm -rf ~.json", "--session", "it's here.json")
    line = serve.command_line(args, python="/path with space/python")
    words = shlex.split(line)
    assert words[:3] == ["/path with space/python", "-m", "byok_tui"]
    assert "my world; rm -rf ~.json" in words and "it's here.json" in words


def test_live_serves_the_wizard_and_refuses_demo_options():
    args = parse("--live", "--cloud", "AzureUSGovernment")
    assert serve.app_args(args) == ["--cloud", "AzureUSGovernment"]
    assert build_parser().parse_args(serve.app_args(args)).command is None
    with pytest.raises(InputError, match="--scenario"):
        serve.app_args(parse("--live", "--scenario", "restricted"))


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts_are_served_without_asking(host):
    assert serve.is_loopback(host)
    serve.check_host(host, public=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "myhost.example.com", "0"])
def test_other_hosts_need_public(host):
    assert not serve.is_loopback(host)
    with pytest.raises(InputError, match="--public"):
        serve.check_host(host, public=False)
    serve.check_host(host, public=True)


@pytest.fixture
def _logging_restored():
    yield
    from byok_tui import logs

    for logger in (
        logging.getLogger(),
        logging.getLogger("byok_tui"),
        logging.getLogger(logs.REQUESTS_LOGGER),
    ):
        logs._remove_ours(logger)


def test_the_cli_refuses_a_network_host_with_exit_2(capsys, tmp_path, _logging_restored):
    assert main(["serve", "--host", "0.0.0.0", "--log-file", str(tmp_path / "l.log")]) == 2
    err = capsys.readouterr().err
    assert "0.0.0.0" in err and "--public" in err


def test_public_url_brackets_ipv6():
    assert serve.public_url("::1", 8000) == "http://[::1]:8000"
    assert serve.public_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"


def test_serve_help_works():
    result = subprocess.run([sys.executable, "-m", "byok_tui", "serve", "--help"], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0 and "--public" in result.stdout and "--live" in result.stdout


def test_python_dash_m_byok_tui_cli_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "byok_tui.cli", "--version"], capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0 and result.stdout.startswith("byok-tui ")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _first_screen(url: str, wait: float = 30.0) -> str:
    """What the served app draws until it shows its Sign-in screen (or `wait` runs out)."""
    import aiohttp

    received = b""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        deadline = time.monotonic() + wait
        while b"Sign in" not in received and time.monotonic() < deadline:
            try:
                message = await ws.receive(timeout=1)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                received += message.data
            elif message.type == aiohttp.WSMsgType.TEXT:
                received += message.data.encode()
            else:
                break
    return received.decode(errors="replace")


def test_the_server_answers_its_page_on_localhost(tmp_path):
    """Starts `byok-tui serve` for real, fetches / and the app over its websocket, then stops it."""
    import urllib.request

    try:
        port = _free_port()
    except OSError:
        pytest.skip("cannot bind a local port here")
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "byok_tui", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)  # fmt: skip
    try:
        deadline, page = time.monotonic() + 30, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        if page is None:
            output = proc.stdout.read().decode() if proc.poll() is not None else ""
            pytest.fail(f"no page from byok-tui serve: {output}")
        assert "byok-tui demo" in page and f"ws://127.0.0.1:{port}/ws" in page
        # The page's websocket runs the demo: its first screen arrives, so the command line is right.
        assert "Sign in" in asyncio.run(_first_screen(f"http://127.0.0.1:{port}/ws?width=80&height=24"))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, -15)
