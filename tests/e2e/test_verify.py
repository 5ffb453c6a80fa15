"""verify catches what breaks after setup: each breakage gives exit 1, names the check and the fix."""

from __future__ import annotations

import pytest

from byok_tui.sandbox import Sandbox
from tests.e2e.conftest import cli, report
from tests.e2e.test_full_run import run_console


@pytest.fixture
def done(tmp_path, world, answers_file):
    result = run_console(tmp_path, world, answers_file)
    assert result.returncode == 0, result.stderr
    return tmp_path / "session.json"


def verify(session, world):
    return cli("verify", "--session", str(session), "--sandbox-state", str(world), "--json")


def failing(result) -> dict[str, dict]:
    return {c["id"]: c for s in report(result)["steps"] for c in s["checks"] if c["status"] == "fail"}


def test_healthy_setup_verifies(done, world):
    result = verify(done, world)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report(result)["status"] in ("pass", "warn")


def break_world(world, change):
    sb = Sandbox.load(world)
    change(sb.world, sb)
    sb.save(world)


def test_a_disabled_key(done, world):
    break_world(
        world, lambda w, sb: setattr(w.vaults["kv-full-byok"].keys["kore-cmk"].latest, "enabled", False)
    )
    result = verify(done, world)
    assert result.returncode == 1
    assert "key.enabled" in failing(result)
    assert (
        "set-attributes --id https://kv-full-byok.vault.azure.net/keys/kore-cmk/"
        in failing(result)["key.enabled"]["remedy"]
    )


def test_a_removed_role_assignment(done, world):
    def remove(w, sb):
        kore = sb.kore_service_principal_id
        for name in [n for n, a in w.role_assignments.items() if a.principal_id == kore]:
            del w.role_assignments[name]

    break_world(world, remove)
    result = verify(done, world)
    assert result.returncode == 1
    assert "access.granted" in failing(result)
    assert "kore.test.encryption" in failing(result)


def test_a_firewall_that_now_blocks(done, world):
    def block(w, sb):
        w.vaults["kv-full-byok"].properties["networkAcls"]["ipRules"] = [{"value": "192.0.2.32/28"}]

    break_world(world, block)
    result = verify(done, world)
    assert result.returncode == 1
    fails = failing(result)
    assert "network.configured" in fails and "203.0.113.10" in fails["network.configured"]["detail"]
    assert "Client address is not authorized" in fails["key.exists"]["detail"]
    assert "firewall" in fails["key.exists"]["remedy"]


def test_a_missing_service_principal(done, world):
    def delete_sp(w, sb):
        del w.principals[sb.kore_service_principal_id]

    break_world(world, delete_sp)
    result = verify(done, world)
    assert result.returncode == 1
    assert "authorize.exists" in failing(result)
