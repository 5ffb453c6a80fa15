"""The headless CLI end to end: the real SDK clients, the sandbox world in a file; the entry point as a real
process for --version/--help, one whole `run` and `sandbox init` (tests/e2e/conftest.py lists why)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from byok_tui.sandbox import Sandbox
from tests.e2e.conftest import cli, cli_process, report


def test_version_and_help_name_every_command():
    assert cli_process("--version").stdout.startswith("byok-tui ")
    help_text = cli_process("--help").stdout
    for command in ("demo", "run", "verify", "export", "sandbox"):
        assert command in help_text


def test_run_creates_the_vault_and_key_and_proves_them(tmp_path, world, answers_file):
    session = tmp_path / "session.json"
    result = cli_process("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
                         "--session", str(session), "--yes", "--json")  # fmt: skip
    # Only [vault] is answered: the run stops before Step 3, and says it is not done (exit 4, not 0).
    assert result.returncode == 4, result.stderr
    out = report(result)
    assert out["status"] == "pass"
    assert out["vault_uri"] == "https://kv-e2e-byok.vault.azure.net/"
    assert out["key_id"].startswith("https://kv-e2e-byok.vault.azure.net/keys/kore-cmk/")
    step = out["steps"][0]
    assert [c["id"] for c in step["plan"]] == [
        "vault.resource_group", "vault.vault", "vault.operator_access", "vault.key"
    ]  # fmt: skip
    assert {c["status"] for c in step["checks"]} == {"pass"}
    # The world really changed, as Azure would show it.
    vault = Sandbox.load(world).world.vaults["kv-e2e-byok"]
    assert vault.properties["enablePurgeProtection"] is True
    # Session: whole JSON, private, with a journal line per change.
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600
    state = json.loads(session.read_text())
    assert state["steps"]["vault"]["applied"] is True
    journal = [json.loads(line) for line in (tmp_path / "session.json.journal").read_text().splitlines()]
    assert [j["action"] for j in journal if j["outcome"] == "applied"] == [
        "vault.resource_group", "vault.vault", "vault.operator_access", "vault.key"
    ]  # fmt: skip
    assert all(j["request_id"] for j in journal if j["outcome"] == "applied")


def test_run_twice_creates_nothing_twice(tmp_path, world, answers_file):
    args = ("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
            "--session", str(tmp_path / "s.json"), "--yes", "--json")  # fmt: skip
    first = report(cli(*args))
    second = cli(*args)
    assert second.returncode == 4, second.stderr
    assert report(second)["key_id"] == first["key_id"]
    sb = Sandbox.load(world)
    assert len(sb.world.vaults["kv-e2e-byok"].keys["kore-cmk"].versions) == 1
    assert "exists: adopted" in second.stderr


def test_bad_input_exits_2_names_the_field_and_changes_nothing(tmp_path, world, answers_file):
    before = world.read_text()
    result = cli("run", "--answers", str(answers_file(**{'"kv-e2e-byok"': '"kv--bad"'})),
                 "--sandbox-state", str(world), "--session", str(tmp_path / "s.json"), "--yes")  # fmt: skip
    assert result.returncode == 2
    assert "vault.name" in result.stderr and "hyphen" in result.stderr
    assert "Traceback" not in result.stderr
    assert world.read_text() == before


def test_unknown_field_exits_2(tmp_path, world, answers_file):
    path = answers_file(**{"key_size = 3072": "key_size = 3072\nkey_colour = 'red'"})
    result = cli(
        "run", "--answers", str(path), "--sandbox-state", str(world), "--session", str(tmp_path / "s")
    )
    assert result.returncode == 2 and "vault.key_colour" in result.stderr


def test_without_yes_and_no_terminal_nothing_changes(tmp_path, world, answers_file):
    before = world.read_text()
    result = cli("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
                 "--session", str(tmp_path / "s.json"), input="")  # fmt: skip
    assert result.returncode == 2 and "--yes" in result.stderr
    assert world.read_text() == before


def test_read_only_plans_and_checks_without_changing(tmp_path, world, answers_file):
    before = world.read_text()
    result = cli("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
                 "--session", str(tmp_path / "s.json"), "--read-only")  # fmt: skip
    assert result.returncode == 1  # nothing exists yet, so the checks fail
    assert "No vault named kv-e2e-byok" in result.stdout
    assert world.read_text() == before


def test_azure_refusal_exits_3_with_cause_remedy_and_request_id(tmp_path, world, answers_file):
    sb = Sandbox.load(world)
    taken = "kv-taken-elsewhere"
    # Another customer already owns this globally unique name.
    sb.world.add_foreign_vault(taken)
    sb.save(world)
    result = cli("run", "--answers", str(answers_file(**{"kv-e2e-byok": taken})), "--sandbox-state", str(world),
                 "--session", str(tmp_path / "s.json"), "--yes")  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "VaultAlreadyExists" in result.stderr
    assert "Fix: Key Vault names are global" in result.stderr
    assert "Request id: " in result.stderr


def test_verify_and_export_after_run(tmp_path, world, answers_file):
    session = tmp_path / "s.json"
    assert cli("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
               "--session", str(session), "--yes").returncode == 4  # fmt: skip
    verified = cli("verify", "--session", str(session), "--sandbox-state", str(world), "--json")
    assert verified.returncode == 0 and report(verified)["status"] == "pass"
    exported = report(cli("export", "--session", str(session), "--format", "json"))
    assert exported["key_vault_uri"] == "https://kv-e2e-byok.vault.azure.net/"
    assert exported["key_name"] == "kore-cmk"
    md = cli("export", "--session", str(session), "--format", "md").stdout
    assert "| Tenant ID | `" in md  # the Step 4 bundle's own Markdown
    az = cli("export", "--session", str(session), "--format", "az").stdout
    assert "az keyvault create --name 'kv-e2e-byok'" in az


def test_verify_fails_when_the_key_is_disabled(tmp_path, world, answers_file):
    session = tmp_path / "s.json"
    cli(
        "run",
        "--answers",
        str(answers_file()),
        "--sandbox-state",
        str(world),
        "--session",
        str(session),
        "--yes",
    )
    sb = Sandbox.load(world)
    sb.world.vaults["kv-e2e-byok"].keys["kore-cmk"].latest.enabled = False
    sb.save(world)
    result = cli("verify", "--session", str(session), "--sandbox-state", str(world))
    assert result.returncode == 1
    assert "✗ Key kore-cmk is disabled" in result.stdout  # the title states the finding (#15)


def test_sandbox_init_writes_a_world(tmp_path):
    path = tmp_path / "w.json"
    result = cli_process("sandbox", "init", "--state", str(path))
    assert result.returncode == 0 and path.exists()
    assert Sandbox.load(path).tenant_id in result.stdout


def test_sandbox_init_refuses_an_unknown_scenario_naming_the_option(tmp_path):
    path = tmp_path / "w.json"
    result = cli("sandbox", "init", "--state", str(path), "--scenario", "moon")
    assert result.returncode == 2 and not path.exists()
    assert "--scenario" in result.stderr and "moon" in result.stderr and "default" in result.stderr
    assert "Traceback" not in result.stderr


# --- wrong options get the right remedy (#15, item 7) ---------------------------------------------


def test_verify_of_a_sandbox_session_without_its_world_names_the_missing_option(
    tmp_path, world, answers_file
):
    session = tmp_path / "s.json"
    cli(
        "run",
        "--answers",
        str(answers_file()),
        "--sandbox-state",
        str(world),
        "--session",
        str(session),
        "--yes",
    )
    result = cli("verify", "--session", str(session))
    assert result.returncode == 2, result.stderr
    assert "sandbox session" in result.stderr and "--sandbox-state FILE" in result.stderr
    assert "Unknown sign-in method" not in result.stderr
    # The wizard on live Azure says the same before it opens (no check ever fails on the network).
    live = subprocess.run([sys.executable, "-m", "byok_tui", "--session", str(session)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip
    assert live.returncode == 2 and "sandbox session" in live.stderr and "--sandbox-state FILE" in live.stderr
    demo = subprocess.run([sys.executable, "-m", "byok_tui", "demo", "--session", str(session)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)  # fmt: skip
    assert demo.returncode == 2 and "--sandbox-state FILE" in demo.stderr


def test_a_scenario_that_an_existing_world_file_cannot_honour_is_refused(tmp_path, world):
    result = subprocess.run(
        [sys.executable, "-m", "byok_tui", "demo", "--scenario", "restricted", "--sandbox-state", str(world)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert (
        "--scenario" in result.stderr and "already holds a sandbox world (scenario default)" in result.stderr
    )


def test_sandbox_init_keeps_an_existing_world_unless_forced(tmp_path, world):
    before = world.read_bytes()
    refused = cli("sandbox", "init", "--state", str(world), "--scenario", "restricted")
    assert refused.returncode == 2 and "--force" in refused.stderr and world.read_bytes() == before
    forced = cli("sandbox", "init", "--state", str(world), "--scenario", "restricted", "--force")
    assert forced.returncode == 0 and world.read_bytes() != before
