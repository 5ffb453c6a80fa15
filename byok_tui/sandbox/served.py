"""`byok-tui sandbox serve` and `sandbox approve`: the sandbox on a socket, and what a shell needs to use it.

`serve` opens (or makes) a world, starts the proxy (`proxy.py`) on loopback, writes beside the world file
what live mode needs to reach it — the CA certificate to trust, the profile Kore support would ship for this
world, a stand-in `az` for the Azure CLI method, and the exports in a file to `source` — and prints those
exports, ready to paste. It runs until Ctrl-C or SIGTERM; the world is saved after every change and once
more on the way out.

`approve` completes a device sign-in as the sandbox's operator, as signing in at microsoft.com/devicelogin
would: it asks the serving process, found through `--proxy` or the `HTTPS_PROXY` of the shell it runs in.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shlex
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok_tui.errors import InputError
from byok_tui.sandbox.persist import (
    write_atomic,  # 0600: the env file and the stand-in's cache hold sandbox secrets
)
from byok_tui.sandbox.tokens import AZURE_CLI_APP_ID

DEFAULT_PORT = 8443
AZ_SCRIPT = """#!/bin/sh
# A stand-in for the Azure CLI, made by `byok-tui sandbox serve`: it answers `az account get-access-token`
# (what azure-identity's AzureCliCredential runs) with tokens from the served sandbox's Entra ID.
exec {python} -m byok_tui.sandbox.az_standin --config {config} "$@"
"""


def default_state_path() -> Path:
    from byok_tui.session import default_session_path

    return default_session_path().parent / "sandbox" / "world.json"


@dataclass(frozen=True)
class Files:
    """What `serve` writes beside the world file `state`."""

    state: Path

    def _beside(self, suffix: str) -> Path:
        return self.state.with_name(self.state.stem + suffix)

    @property
    def ca(self) -> Path:
        return self._beside(".ca.pem")

    @property
    def profile(self) -> Path:
        return self._beside(".profile.toml")

    @property
    def env(self) -> Path:
        return self._beside(".env.sh")

    @property
    def bin(self) -> Path:
        return self._beside(".bin")

    @property
    def az_config(self) -> Path:
        return self._beside(".az.json")


def exports(sandbox: Any, proxy_url: str, files: Files) -> list[tuple[str, str]]:
    """(name, value) of every variable a shell sets to run live mode against the served sandbox."""
    tenant_id, client_id, secret = sandbox.automation_client()
    return [
        ("HTTPS_PROXY", proxy_url),
        # The operator's page is on the proxy's own address: asked for directly, not through itself.
        ("NO_PROXY", "127.0.0.1,localhost"),
        ("SSL_CERT_FILE", str(files.ca)),  # aiohttp (Resource Manager, Key Vault) and httpx (Graph, Kore)
        ("REQUESTS_CA_BUNDLE", str(files.ca)),  # MSAL's token requests (requests) and the Azure CLI
        ("AZURE_TENANT_ID", tenant_id),
        ("AZURE_CLIENT_ID", client_id),
        ("AZURE_CLIENT_SECRET", secret.reveal()),
        ("BYOK_TUI_PROFILE", str(files.profile)),
        ("KORE_API_CLIENT_SECRET", sandbox.kore_api_client_secret),
        ("PATH", f"{files.bin}:$PATH"),
    ]


def export_lines(pairs: list[tuple[str, str]]) -> list[str]:
    lines = []
    for name, value in pairs:
        if name == "PATH":  # $PATH must expand when the line runs
            lines.append(f'export PATH="{value.removesuffix(":$PATH")}:$PATH"')
        else:
            lines.append(f"export {name}={shlex.quote(value)}")
    return lines


def profile_text(sandbox: Any) -> str:
    profile = sandbox.profile()
    ranges = ", ".join(json.dumps(r) for r in profile.kore_ip_ranges)
    return (
        "# What Kore support would ship for this sandbox world (byok-tui --profile FILE). Nothing here is secret.\n"
        f"kore_client_id = {json.dumps(profile.kore_client_id)}\n"
        f"kore_app_name = {json.dumps(profile.kore_app_name)}\n"
        f"kore_host = {json.dumps(profile.kore_host)}\n"
        f"kore_ip_ranges = [{ranges}]\n"
        f"cloud = {json.dumps(profile.cloud)}\n"
        f"region = {json.dumps(profile.region)}\n"
    )


def write_files(sandbox: Any, ca: Any, files: Files, proxy_url: str) -> list[str]:
    """Write the CA, profile, stand-in `az` and env file; returns the export lines."""
    ca.write(files.ca)
    files.profile.write_text(profile_text(sandbox), encoding="utf-8")
    write_atomic(files.az_config, json.dumps({
        "tenant_id": sandbox.tenant_id,
        "subscription_id": sandbox.subscription_id,
        "client_id": AZURE_CLI_APP_ID,
        "refresh_token": sandbox.issue_refresh_token(),
        "authority": "https://login.microsoftonline.com",
    }, indent=2))  # fmt: skip
    files.bin.mkdir(parents=True, exist_ok=True)
    az = files.bin / "az"
    az.write_text(
        AZ_SCRIPT.format(python=shlex.quote(sys.executable), config=shlex.quote(str(files.az_config)))
    )
    az.chmod(0o755)
    lines = export_lines(exports(sandbox, proxy_url, files))
    write_atomic(files.env, "# source this file: byok-tui live mode against the served sandbox\n"
                   + "\n".join(lines) + "\n")  # fmt: skip
    return lines


# ---- serve ------------------------------------------------------------------------------------------------


def serve(args: Any) -> int:
    from byok_tui.sandbox.deferred import open_sandbox

    state = Path(args.state).expanduser() if args.state else default_state_path()
    state.parent.mkdir(parents=True, exist_ok=True)
    if state.exists() and args.scenario:
        print(f"note: {state} exists; serving that world (--scenario {args.scenario} applies to a new one)",
              file=sys.stderr)  # fmt: skip
    sandbox = open_sandbox(
        str(state), args.scenario or "default", args.faults, realtime=True, option="--state"
    )
    return asyncio.run(_serve(sandbox, Files(state), args.host, args.port))


async def _serve(sandbox: Any, files: Files, host: str, port: int) -> int:
    from byok_tui.sandbox.ca import SandboxCA
    from byok_tui.sandbox.proxy import SandboxProxy

    proxy = SandboxProxy(sandbox, SandboxCA(), host=host, port=port)
    try:
        await proxy.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError("--port", f"{host}:{port} is already in use; choose another with --port N "
                             "(or stop the process that holds it)") from exc  # fmt: skip
        raise InputError("--port", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        lines = write_files(sandbox, proxy.ca, files, proxy.url)
        print(f"# byok-tui sandbox serving on {proxy.url} (world: {files.state})")
        print(
            "# Paste these lines into the shell that runs byok-tui, or: source " + shlex.quote(str(files.env))
        )
        for line in lines:
            print(line)
        print(f"# Device sign-in: open {proxy.url}/ in a browser, or run `byok-tui sandbox approve CODE`.")
        print("# Ctrl-C stops the sandbox; the world is saved after every change.", flush=True)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await proxy.close()
        sandbox.save()
    print(f"byok-tui sandbox stopped; the world is saved in {files.state}", file=sys.stderr)
    return 0


# ---- approve ----------------------------------------------------------------------------------------------


def approve(args: Any) -> int:
    base = _proxy_address(args.proxy)
    action = "decline" if args.decline else "approve"
    data = f"code={urllib.parse.quote(args.code)}".encode()
    request = urllib.request.Request(f"{base}/{action}", data=data, method="POST",
                                     headers={"Accept": "application/json"})  # fmt: skip
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({})
    )  # the proxy itself, never through it
    try:
        with opener.open(request, timeout=10) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        answer = json.loads(exc.read() or b"{}")
        raise InputError("CODE", answer.get("message") or f"the sandbox answered {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise InputError("--proxy", f"no sandbox answers at {base} ({getattr(exc, 'reason', exc)}); start "
                         "`byok-tui sandbox serve` or name its address with --proxy URL") from exc  # fmt: skip
    print(answer.get("message", "done"))
    return 0


def _proxy_address(given: str | None) -> str:
    address = given or os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if not address:
        return f"http://127.0.0.1:{DEFAULT_PORT}"
    return address.rstrip("/") if "://" in address else f"http://{address.rstrip('/')}"
