"""Live mode, end to end, over real sockets: every step headless with each sign-in method, then verify and
export, against the served sandbox. No `--sandbox-state` and no `method = "sandbox"`: the wizard takes the
path a customer's administrator takes (azure-identity, MSAL, aiohttp, httpx, HTTPS_PROXY, TLS)."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from pathlib import Path

import pytest

from byok_tui.sandbox import Sandbox
from byok_tui.testing.served import Served, start_served

ANSWERS = """
[signin]
method = "{method}"
tenant_id = "{tenant}"
subscription_id = "{subscription}"

[authorize]
method = "service-principal"

[vault]
resource_group = "rg-kore-byok"
create_resource_group = true
location = "eastus"
name = "kv-live-{suffix}"
key_name = "kore-cmk"
key_size = 2048

[share]
export_dir = "{export}"

[network]
mode = "firewall"
allow_trusted_services = true
allow_operator_ip = true

[protect]
choice = "protect"
contacts = ["secops@contoso.com"]

[enterprise_key]
enforcement_date = "2099-01-01"

[apps]
source = "kore-api"
client_id = "{kore_client}"
"""

STEPS = [
    "authorize",
    "vault",
    "access",
    "share",
    "network",
    "protect",
    "enterprise_key",
    "test",
    "apps",
    "confirm",
]
CODE_LINE = re.compile(r"enter the code (\S+)")


def answers(served: Served, tmp_path: Path, method: str) -> Path:
    sb = Sandbox.load(served.state)
    text = ANSWERS.format(method=method, tenant=sb.tenant_id, subscription=sb.subscription_id,
                          suffix=method.replace("-", "")[:8], export=tmp_path / "handoff",
                          kore_client=sb.kore_api_client_id)  # fmt: skip
    path = tmp_path / f"{method}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def signed_in(served: Served, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a command; when it shows a device code (stderr, as headless runs do), approve it as the operator
    would on their phone: `byok-tui sandbox approve CODE` from another shell."""
    process = served.popen(*args)
    err: list[str] = []
    approvals: list[subprocess.CompletedProcess] = []

    def watch() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            err.append(line)
            if found := CODE_LINE.search(line):
                approvals.append(served.cli("sandbox", "approve", found.group(1).rstrip(".,)")))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = process.stdout.read() if process.stdout else ""
    process.wait(timeout=timeout)
    watcher.join(timeout=10)
    for approval in approvals:
        assert approval.returncode == 0, approval.stderr
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(err))


@pytest.mark.parametrize("method", ["environment", "azure-cli", "device-code"])
def test_every_step_then_verify_and_export_in_live_mode(served: Served, tmp_path: Path, method: str):
    session = str(tmp_path / "session.json")
    run = signed_in(served, "run", "--answers", str(answers(served, tmp_path, method)), "--session", session,
                    "--yes", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert [s["id"] for s in report["steps"]] == STEPS
    failed = [
        (s["id"], c["id"], c["detail"]) for s in report["steps"] for c in s["checks"] if c["status"] == "fail"
    ]
    assert failed == []
    assert report["vault_uri"].startswith("https://kv-live-") and report["vault_uri"].endswith(
        ".vault.azure.net/"
    )
    if method == "device-code":  # one sign-in for the whole run, though Key Vault and Graph ask with CAE
        assert run.stderr.count("enter the code") == 1

    verify = signed_in(served, "verify", "--session", session, "--json")
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["status"] in ("pass", "warn")

    export = served.cli("export", "--session", session, "--format", "json")
    assert export.returncode == 0, export.stderr
    handoff = json.loads(export.stdout)
    assert report["vault_uri"].rstrip("/") in json.dumps(handoff)

    # The world really changed, through the proxy: the vault and Kore's role are there.
    world = Sandbox.load(served.state).world
    assert f"kv-live-{method.replace('-', '')[:8]}" in world.vaults
    # And the protect step's lock and tripwires, made through the proxy with the management SDKs.
    vault = f"/providers/microsoft.keyvault/vaults/kv-live-{method.replace('-', '')[:8]}"
    assert any(lock.scope.lower().endswith(vault) for lock in world.locks.values())


def test_tokens_that_expire_mid_flow_are_renewed_unseen(tmp_path: Path):
    """With one-minute tokens azure-core and MSAL renew before every use; the operator sees no sign-in error."""
    served = start_served(tmp_path, "--faults", "rbac-delay=0,token-lifetime=60")
    try:
        session = str(tmp_path / "session.json")
        run = signed_in(served, "run", "--answers", str(answers(served, tmp_path, "device-code")),
                        "--session", session, "--yes", "--json")  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert run.stderr.count("enter the code") == 1  # one sign-in for the whole run
        grants = served_grants(served)
        assert grants.get("refresh_token", 0) >= 3, grants  # ARM, vault and Graph at least, each renewed
    finally:
        served.stop()


def served_grants(served: Served) -> dict[str, int]:
    import httpx

    with httpx.Client(trust_env=False) as client:
        return client.get(served.proxy + "/health").json()["token_grants"]
