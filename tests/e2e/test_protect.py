"""The protect step headless: `[protect]` in the answers puts the lock and the tripwires up, a second run
changes nothing, `verify` reports a removed lock or tripwire as a failure with its fix (exit 1), and an
operator who may not lock is stopped before any change with the command to hand over."""

from __future__ import annotations

from byok_tui.engine import steps
from byok_tui.sandbox import Sandbox
from tests.e2e.conftest import cli, report
from tests.e2e.test_full_run import FULL


def test_the_registry_lists_the_step_so_run_and_verify_walk_it():
    # `run` and `verify` walk the step registry (issue #18, phase 2 registered the step).
    assert "protect" in steps.IDS and steps.get("protect").live


PROTECT = """
[protect]
choice = "protect"
contacts = ["secops@contoso.com"]
"""


def run_protect(tmp_path, world, answers_file, extra: str = PROTECT):
    text = FULL.replace("{export}", str(tmp_path / "handoff")) + extra
    return cli("run", "--answers", str(answers_file(text)), "--sandbox-state", str(world), "--session",
               str(tmp_path / "session.json"), "--yes", "--json")  # fmt: skip


def verify(tmp_path, world):
    return cli("verify", "--session", str(tmp_path / "session.json"), "--sandbox-state", str(world), "--json")


def checks_of(result, step_id: str) -> dict[str, dict]:
    step = next(s for s in report(result)["steps"] if s["id"] == step_id)
    return {c["id"]: c for c in step["checks"]}


def test_protect_runs_headless_once_and_verify_catches_a_removed_lock(tmp_path, world, answers_file):
    first = run_protect(tmp_path, world, answers_file)
    assert first.returncode == 4, first.stderr  # the console part is not answered: not done
    assert [s["id"] for s in report(first)["steps"]] == [
        "authorize",
        "vault",
        "access",
        "share",
        "network",
        "protect",
    ]
    assert {c["status"] for c in checks_of(first, "protect").values()} == {"pass"}
    w = Sandbox.load(world).world
    assert [lock.name for lock in w.locks.values()] == ["byok-do-not-delete"]
    assert len(w.monitor) == 5  # the action group and four tripwires

    second = run_protect(tmp_path, world, answers_file)
    assert second.returncode == 4, second.stderr
    assert Sandbox.load(world).world.locks.keys() == w.locks.keys()

    healthy = verify(tmp_path, world)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr

    sb = Sandbox.load(world)
    sb.world.locks.clear()
    for key in [k for k in sb.world.monitor if k.endswith("-vault-delete")]:
        del sb.world.monitor[key]
    sb.save(world)
    broken = verify(tmp_path, world)
    assert broken.returncode == 1
    failed = {c["id"]: c for c in checks_of(broken, "protect").values() if c["status"] == "fail"}
    assert set(failed) == {"protect.lock", "protect.tripwire.vault-delete"}
    assert "az lock create --name 'byok-do-not-delete'" in failed["protect.lock"]["remedy"]
    assert "az monitor activity-log alert create" in failed["protect.tripwire.vault-delete"]["remedy"]


def test_a_bad_protect_section_is_exit_2_naming_the_field(tmp_path, world, answers_file):
    result = run_protect(tmp_path, world, answers_file, PROTECT.replace('"secops@contoso.com"', '"secops"'))
    assert result.returncode == 2
    assert "protect.contacts[0]" in result.stderr and "name@domain.tld" in result.stderr


def test_an_operator_who_may_not_lock_is_stopped_before_any_change(tmp_path, answers_file):
    world = tmp_path / "no-locks.json"
    Sandbox.create("no-locks").save(world)
    result = run_protect(tmp_path, world, answers_file)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Owner or User Access Administrator" in result.stderr and "az lock create" in result.stderr
    w = Sandbox.load(world).world
    assert not w.locks and not w.monitor
