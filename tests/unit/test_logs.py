"""The diagnostic log: where it goes, who may read it, what reaches it, and that a TUI never sees it."""

from __future__ import annotations

import dataclasses
import json
import logging
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import httpx
import pytest

from byok_tui import logs
from byok_tui.azure import requestlog
from byok_tui.azure.requestlog import safe_url

CANARY = "canary-5ecret-9f2b"


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch, tmp_path):
    """setup() changes process-wide logging; put it back, and keep the default log out of the real home."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BYOK_TUI_LOG", raising=False)
    saved = {name: logging.getLogger(name).level for name in ("", "byok_tui", *logs.QUIET)}
    raise_exceptions = logging.raiseExceptions
    yield
    for logger in (
        logging.getLogger(),
        logging.getLogger("byok_tui"),
        logging.getLogger(logs.REQUESTS_LOGGER),
    ):
        logs._remove_ours(logger)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
    logging.raiseExceptions = raise_exceptions
    logging.captureWarnings(False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sig", "code", "client_secret", "token", "access_token", "$skiptoken",
                                  "se", "x-ms-new-param", "SIG"])  # fmt: skip
def test_every_query_value_not_known_harmless_is_redacted(name):
    shown = safe_url(f"https://kv.vault.azure.net/keys?api-version=7.5&{name}={CANARY}")
    assert CANARY not in shown
    assert shown == f"https://kv.vault.azure.net/keys?api-version=7.5&{name}=REDACTED"


def test_harmless_query_values_stay_for_diagnosis():
    url = "https://graph.microsoft.com/v1.0/servicePrincipals?$filter=appId%20eq%20%27abc%27&$top=5"
    assert (
        safe_url(url)
        == "https://graph.microsoft.com/v1.0/servicePrincipals?$filter=appId%20eq%20'abc'&$top=5"
    )


def test_credentials_in_the_address_and_the_fragment_are_dropped():
    shown = safe_url(f"https://user:{CANARY}@login.example.com:8443/a/token#{CANARY}")
    assert shown == "https://login.example.com:8443/a/token"


def test_an_address_without_query_is_unchanged():
    url = "https://management.azure.com/subscriptions/s1/resourceGroups/rg"
    assert safe_url(url) == url


def test_kore_request_id_is_found_when_azure_names_are_absent():
    response = httpx.Response(200, headers={"X-Request-Id": "kore-123"})
    assert requestlog.response_request_id(response) == "kore-123"
    both = httpx.Response(200, headers={"x-request-id": "kore-1", "x-ms-request-id": "azure-1"})
    assert requestlog.response_request_id(both) == "azure-1"


# --- where the log goes ----------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="platformdirs' Linux layout")
def test_default_log_is_private_in_the_user_state_directory(tmp_path):
    path = logs.setup(command="run")
    expected = tmp_path / "state" / "byok-tui" / "log" / "byok-tui.log"
    assert path == expected.resolve() and logs.current_path() == path
    logging.getLogger("byok_tui.requests").info("GET https://management.azure.com/x -> 200")
    assert "GET https://management.azure.com/x -> 200" in expected.read_text()
    assert mode(expected) == 0o600 and mode(expected.parent) == 0o700


@pytest.mark.skipif(sys.platform != "linux", reason="platformdirs' Linux layout")
def test_default_log_falls_back_to_home_without_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_STATE_HOME")
    assert (
        logs.default_log_path()
        == tmp_path / "home" / ".local" / "state" / "byok-tui" / "log" / "byok-tui.log"
    )
    assert logs.default_log_text() == "$BYOK_TUI_LOG or ~/.local/state/byok-tui/log/byok-tui.log"


def test_byok_tui_log_names_the_default_log(tmp_path, monkeypatch):
    monkeypatch.setenv("BYOK_TUI_LOG", str(tmp_path / "elsewhere" / "b.log"))
    assert logs.setup() == (tmp_path / "elsewhere" / "b.log").resolve()
    assert (tmp_path / "elsewhere" / "b.log").exists() and not (tmp_path / "state").exists()


def test_log_file_option_wins_and_a_loose_existing_file_becomes_private(tmp_path):
    given = tmp_path / "mine.log"
    given.write_text("earlier run\n")
    given.chmod(0o644)
    assert logs.setup(given) == given.resolve()
    logging.getLogger("byok_tui.x").warning("hello")
    assert given.read_text().startswith("earlier run\n") and "WARNING byok_tui.x: hello" in given.read_text()
    assert mode(given) == 0o600
    assert not (tmp_path / "state").exists()


def test_the_log_rotates_and_every_file_stays_private(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 400)
    path = tmp_path / "r.log"
    logs.setup(path)
    for i in range(60):
        logging.getLogger("byok_tui.requests").info("GET https://management.azure.com/%d -> 200", i)
    files = sorted(tmp_path.glob("r.log*"))
    assert [f.name for f in files] == ["r.log", "r.log.1", "r.log.2", "r.log.3"]
    assert all(mode(f) == 0o600 for f in files)
    assert all(f.stat().st_size <= 400 for f in files)


def test_setting_up_twice_does_not_log_twice(tmp_path):
    path = tmp_path / "twice.log"
    logs.setup(path)
    logs.setup(path)
    logging.getLogger("byok_tui.x").warning("once")
    assert path.read_text().count("once") == 1


# --- what reaches it -------------------------------------------------------------------------------


def test_verbose_logs_debug_for_byok_tui_but_never_library_bodies(tmp_path):
    path = tmp_path / "v.log"
    logs.setup(path, verbose=True)
    logging.getLogger("byok_tui.engine").debug("a detail")
    logging.getLogger("azure.core.pipeline.policies.http_logging_policy").info("Request body: %s", CANARY)
    logging.getLogger("httpx").info("HTTP Request: GET https://x/?sig=%s", CANARY)
    text = path.read_text()
    assert "a detail" in text and CANARY not in text


def test_without_verbose_debug_stays_out(tmp_path):
    path = tmp_path / "q.log"
    logs.setup(path)
    logging.getLogger("byok_tui.engine").debug("a detail")
    assert "a detail" not in path.read_text()


def test_headless_verbose_echoes_request_lines_to_stderr(tmp_path, capsys):
    logs.setup(tmp_path / "h.log", verbose=True, tui=False, command="run")
    logging.getLogger("byok_tui.requests").info("GET https://management.azure.com/a -> 200 in 3 ms")
    logging.getLogger("byok_tui.engine").info("not a request")
    captured = capsys.readouterr()
    assert captured.err == "GET https://management.azure.com/a -> 200 in 3 ms\n" and captured.out == ""


def test_headless_without_verbose_prints_nothing(tmp_path, capsys):
    logs.setup(tmp_path / "h.log", command="run")
    logging.getLogger("byok_tui.requests").info("GET https://management.azure.com/a -> 200")
    assert capsys.readouterr() == ("", "")


def test_a_tui_never_gets_log_output_on_the_terminal_even_verbose(tmp_path, capsys):
    logs.setup(tmp_path / "t.log", verbose=True, tui=True, command="demo")
    logging.getLogger("byok_tui.requests").info("GET https://management.azure.com/a -> 200")
    logging.getLogger("byok_tui.app").error("worker failed")
    logging.getLogger("somelib").warning("library warning")
    warnings.warn("a library's deprecation", UserWarning, stacklevel=1)
    assert capsys.readouterr() == ("", "")
    text = (tmp_path / "t.log").read_text()
    assert "worker failed" in text and "library warning" in text and "a library's deprecation" in text


def test_a_tui_keeps_what_it_logs_before_its_first_frame_and_writes_it_when_the_file_opens(tmp_path, capsys):
    path = tmp_path / "deferred.log"
    logs.setup_deferred(path, command="demo")
    logging.getLogger("byok_tui.app").error("before the first frame")
    warnings.warn("an early deprecation", UserWarning, stacklevel=1)
    assert not path.exists() and capsys.readouterr() == ("", "")
    assert logs.open_deferred() == path.resolve()
    logging.getLogger("byok_tui.app").error("after it")
    text = path.read_text()
    assert text.index("before the first frame") < text.index("after it") and "an early deprecation" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert logs.open_deferred() == path.resolve()  # a second call (the CLI's, at exit) changes nothing
    assert path.read_text().count("before the first frame") == 1


def test_the_demo_opens_its_log_only_after_the_first_frame(tmp_path):
    """The file handler loads logging.handlers (sockets, pickle, queues): not worth the first frame's time."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            import byok_tui.cli as cli
            from byok_tui.app import ByokApp
            seen = []
            ByokApp.run = lambda self, *a, **k: seen.extend(m for m in ("logging.handlers",) if m in sys.modules)
            assert cli.main(["demo", "--log-file", {str(tmp_path / "d.log")!r}]) == 0
            print(seen)
        """)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "demo started" in (tmp_path / "d.log").read_text()  # opened at exit, since this App never ran


def test_a_tui_whose_log_cannot_be_opened_still_prints_nothing(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert logs.setup(blocker / "x.log", tui=True, command="demo") is None
    assert logs.current_path() is None
    # With no handler at all, logging's last resort would print this on stderr, over the screen.
    logging.getLogger("byok_tui.app").error("worker failed")
    assert capsys.readouterr() == ("", "")


def test_a_headless_command_says_when_its_log_cannot_be_opened(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert logs.setup(blocker / "x.log", command="run") is None
    assert "cannot write the log" in capsys.readouterr().err


# --- the command line ------------------------------------------------------------------------------


def test_help_names_the_default_log_and_the_verbose_flag():
    from byok_tui.cli import build_parser

    text = build_parser().format_help()
    # argparse wraps long lines, even inside a path (after a hyphen)
    assert "".join(logs.default_log_text().split()) in "".join(text.split()) and "--verbose" in text


def test_a_failed_headless_command_ends_by_naming_its_log(tmp_path, capsys):
    from byok_tui.cli import main

    log = tmp_path / "fail.log"
    code = main(["verify", "--session", str(tmp_path / "none.json"), "--log-file", str(log)])
    err = capsys.readouterr().err
    assert code == 2 and err.rstrip().endswith(f"details: {log.resolve()}")
    assert "verify failed" in log.read_text()


def test_a_successful_command_does_not_point_at_the_log(tmp_path, capsys):
    from byok_tui.cli import main
    from byok_tui.session import Session, new_session_id
    from byok_tui.state import WizardState

    Session(tmp_path / "s.json").save(WizardState(session_id=new_session_id()))
    assert (
        main(["--log-file", str(tmp_path / "l"), "sandbox", "init", "--state", str(tmp_path / "w.json")]) == 0
    )
    code = main(["verify", "--session", str(tmp_path / "s.json"), "--sandbox-state", str(tmp_path / "w.json"),
                 "--log-file", str(tmp_path / "l")])  # fmt: skip
    assert code == 0 and "details:" not in capsys.readouterr().err


# --- requests that do not go through the ARM and Key Vault clients --------------------------------


async def test_token_requests_are_logged_without_secret_or_token(tmp_path, monkeypatch):
    """azure-identity's own pipeline (the environment / service-principal sign-in) is wired to the log."""
    import azure.core.pipeline.transport as transports

    from byok_tui.azure import auth
    from byok_tui.clouds import AZURE_PUBLIC
    from byok_tui.sandbox.transport import MemTransport

    token = "eyJhbGciOiJub25lIn0." + CANARY
    seen: list[str] = []

    def entra(method, url, headers, body):
        seen.append(url)
        answer = {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
        return (
            200,
            {"x-ms-request-id": "entra-req-1", "Content-Type": "application/json"},
            json.dumps(answer).encode(),
        )

    monkeypatch.setattr(transports, "AioHttpTransport", lambda **kw: MemTransport(entra))
    monkeypatch.setenv("AZURE_TENANT_ID", "9e7bbb39-752e-4401-b07f-74c98790c149")
    monkeypatch.setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CANARY)
    path = tmp_path / "id.log"
    logs.setup(path, verbose=True)
    credential = auth.credential_for("environment", "", AZURE_PUBLIC)
    try:
        assert (await credential.get_token(AZURE_PUBLIC.arm_scope)).token == token
    finally:
        await credential.close()
    assert seen, "the fake transport was not used"
    text = path.read_text()
    assert ("POST https://login.microsoftonline.com/9e7bbb39-752e-4401-b07f-74c98790c149/oauth2/v2.0/token"
            " -> 200 in ") in text and "(request id entra-req-1)" in text  # fmt: skip
    assert CANARY not in text and "eyJ" not in text


class _BusyOnce(httpx.AsyncBaseTransport):
    """Answers the first request 503 (Retry-After 1: kiota takes 0 as "use the backoff"), then hands over
    to the sandbox."""

    def __init__(self, inner: httpx.AsyncBaseTransport):
        self.inner, self.calls = inner, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            return httpx.Response(503, headers={"Retry-After": "1", "request-id": "busy-1"}, request=request)
        return await self.inner.handle_async_request(request)


async def test_graph_requests_are_logged_once_per_attempt(tmp_path):
    from byok_tui.azure import graph
    from byok_tui.sandbox import Sandbox

    sb = Sandbox.create("default")
    conn = dataclasses.replace(
        sb.connection(), graph_transport_factory=lambda: _BusyOnce(sb.graph_transport())
    )
    path = tmp_path / "g.log"
    logs.setup(path)
    org = await graph.organization(conn)
    assert org.tenant_id == sb.tenant_id
    lines = [line for line in path.read_text().splitlines() if "graph.microsoft.com" in line]
    assert len(lines) == 2, lines
    assert "GET https://graph.microsoft.com/v1.0/organization -> 503 in " in lines[0] and "busy-1" in lines[0]
    assert "GET https://graph.microsoft.com/v1.0/organization -> 200 in " in lines[1]
    assert "(request id -)" not in lines[1]


async def test_a_request_without_answer_is_logged_with_its_error_type(tmp_path):
    from byok_tui.azure import graph
    from byok_tui.sandbox import Sandbox

    class Unreachable(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            raise httpx.ConnectError(f"cannot connect, secret {CANARY}", request=request)

    sb = Sandbox.create("default")
    conn = dataclasses.replace(sb.connection(), graph_transport_factory=Unreachable)
    path = tmp_path / "u.log"
    logs.setup(path)
    with pytest.raises(Exception):  # noqa: B017 (azure_errors' type is not the point here)
        await graph.organization(conn)
    text = path.read_text()
    assert "GET https://graph.microsoft.com/v1.0/organization -> no response (ConnectError) in " in text
    assert CANARY not in text
