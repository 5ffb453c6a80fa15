"""Reliability: `flow()` runs `byok-tui run` in this process (`main(argv)`); the process is real only where it
is what a test is about, and those stay `python -m byok_tui` subprocesses: kill -9 mid-run
(test_kill_resume.py), signals mid-change, two processes and one session lock, a SIGKILLed holder
(test_sessions.py), and the canary scan of what a real process writes and prints (test_secrets.py, which is
also the entry point's test for `verify` and `export`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok_tui.sandbox import Sandbox
from tests.e2e.test_full_run import CONSOLE, FULL


@pytest.fixture
def flow(tmp_path: Path):
    """Write a fresh world and the full answers file; return a function that runs `byok-tui run` in-process."""
    from byok_tui.cli import main

    world = tmp_path / "world.json"
    Sandbox.create("default").save(world)
    sb = Sandbox.load(world)
    answers = tmp_path / "answers.toml"
    text = FULL.replace("{export}", str(tmp_path / "handoff")) + CONSOLE.replace("{deselect}", "")
    answers.write_text(text.format(tenant=sb.tenant_id, subscription=sb.subscription_id))

    def run(*extra: str) -> int:
        return main(["run", "--answers", str(answers), "--sandbox-state", str(world),
                     "--session", str(tmp_path / "session.json"), "--yes", *extra])  # fmt: skip

    run.world = world  # type: ignore[attr-defined]
    run.tmp = tmp_path  # type: ignore[attr-defined]
    return run


def fingerprint(world_path: Path) -> dict:
    """What the wizard made, without the things that differ run to run (times, generated ids)."""
    w = Sandbox.load(world_path).world
    names = {p.object_id: (p.kind, p.app_id or p.display_name) for p in w.principals.values()}
    return {
        "service_principals": sorted(p.app_id for p in w.principals.values() if p.kind == "ServicePrincipal"),
        "groups": sorted(w.resource_groups),
        "vaults": {
            name: {
                "soft_delete": v.properties.get("enableSoftDelete"),
                "purge_protection": v.properties.get("enablePurgeProtection"),
                "rbac": v.properties.get("enableRbacAuthorization"),
                "acls": v.properties.get("networkAcls"),
                "keys": {k: [(ver.kty, len(ver.n) if hasattr(ver, "n") else None) for ver in key.versions]
                         for k, key in v.keys.items()},
            }
            for name, v in w.vaults.items()
        },
        "assignments": sorted((names.get(a.principal_id, ("?", a.principal_id)), a.role_definition_id, a.scope.lower())
                              for a in w.role_assignments.values()),
    }  # fmt: skip
