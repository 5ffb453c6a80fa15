"""Steps 1-5 headless on a fresh sandbox: exactly the intended world, and a second run changes nothing."""

from __future__ import annotations

import json
import os
import stat

from byok_tui.sandbox import Sandbox
from tests.e2e.conftest import cli, report

CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"

FULL = """
[signin]
method = "sandbox"
tenant_id = "{tenant}"
subscription_id = "{subscription}"

[authorize]
method = "service-principal"

[vault]
resource_group = "rg-kore-byok"
create_resource_group = true
location = "eastus"
name = "kv-full-byok"
key_name = "kore-cmk"
key_size = 4096

[share]
export_dir = "{export}"

[network]
mode = "firewall"
allow_trusted_services = true
allow_operator_ip = true
"""


def run_full(tmp_path, world, answers_file, *extra):
    text = FULL.replace("{export}", str(tmp_path / "handoff"))
    path = answers_file(text)
    return cli("run", "--answers", str(path), "--sandbox-state", str(world), "--session",
               str(tmp_path / "session.json"), "--yes", "--json", *extra)  # fmt: skip


def world_facts(world):
    w = Sandbox.load(world).world
    vault = w.vaults["kv-full-byok"]
    kore_sps = [
        p for p in w.principals.values() if p.kind == "ServicePrincipal" and p.app_id == w.kore_client_id
    ]
    kore_roles = [
        a for a in w.role_assignments.values() if kore_sps and a.principal_id == kore_sps[0].object_id
    ]
    return w, vault, kore_sps, kore_roles


def test_steps_1_to_5_leave_exactly_the_intended_world(tmp_path, world, answers_file):
    result = run_full(tmp_path, world, answers_file)
    assert result.returncode == 4, result.stderr  # the console part is not answered: not done
    out = report(result)
    assert [s["id"] for s in out["steps"]] == ["authorize", "vault", "access", "share", "network"]
    # Without console answers the run ends where the Admin Console part begins, and says so.
    # The protect step is recommended, not required: a run without [protect] leaves it out and says so.
    assert out["status"] == "pass" and out["skipped"] == ["protect", "enterprise_key"]
    assert out["stopped_before"]["step"] == "test"

    w, vault, kore_sps, kore_roles = world_facts(world)
    assert len(kore_sps) == 1
    assert vault.properties["enableSoftDelete"] and vault.properties["enablePurgeProtection"]
    assert [k for k in vault.keys] == ["kore-cmk"] and len(vault.keys["kore-cmk"].versions) == 1
    assert [(a.role_definition_id, a.scope.lower()) for a in kore_roles] == [
        (CRYPTO_USER, vault.id.lower())
    ]  # fmt: skip
    acls = vault.properties["networkAcls"]
    assert acls["defaultAction"] == "Deny" and acls["bypass"] == "AzureServices"
    # Azure stores a single address as a /32 network.
    assert {r["value"] for r in acls["ipRules"]} == {"192.0.2.32/28", Sandbox.load(world).operator_ip + "/32"}

    handoff = json.loads((tmp_path / "handoff" / "kore-byok-handoff.json").read_text())
    assert handoff["key_vault_uri"] == "https://kv-full-byok.vault.azure.net/"
    assert handoff["kore_sp_object_id"] == kore_sps[0].object_id

    session = tmp_path / "session.json"
    assert stat.S_IMODE(os.stat(session).st_mode) == 0o600
    text = session.read_text() + (tmp_path / "session.json.journal").read_text()
    assert (
        "eyJ" not in text and "Bearer" not in text and Sandbox.load(world).kore_api_client_secret not in text
    )


def test_a_second_run_changes_nothing(tmp_path, world, answers_file):
    assert run_full(tmp_path, world, answers_file).returncode == 4
    before = world_facts(world)
    vault_before = json.dumps(before[1].properties, sort_keys=True)
    second = run_full(tmp_path, world, answers_file)
    assert second.returncode == 4, second.stderr
    w, vault, kore_sps, kore_roles = world_facts(world)
    assert len(kore_sps) == 1 and len(kore_roles) == 1
    assert len(vault.keys["kore-cmk"].versions) == 1
    assert json.dumps(vault.properties, sort_keys=True) == vault_before
    assert "Created" not in second.stderr


def test_restricted_operator_gets_the_consent_path_message(tmp_path, answers_file):
    world = tmp_path / "restricted.json"
    Sandbox.create("restricted").save(world)
    text = FULL.replace("{export}", str(tmp_path / "h"))
    sb = Sandbox.load(world)
    path = tmp_path / "a.toml"
    path.write_text(text.format(tenant=sb.tenant_id, subscription=sb.subscription_id))
    result = cli("run", "--answers", str(path), "--sandbox-state", str(world), "--session",
                 str(tmp_path / "s.json"), "--yes")  # fmt: skip
    assert result.returncode == 3
    assert "Authorization_RequestDenied" in result.stderr
    assert "admin-consent URL" in result.stderr


def test_vault_only_answers_skip_step_1_and_stop_before_step_3(tmp_path, world, answers_file):
    result = cli("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
                 "--session", str(tmp_path / "s.json"), "--yes", "--json")  # fmt: skip
    assert result.returncode == 4, result.stderr
    out = report(result)
    assert out["skipped"] == ["authorize"]
    assert out["stopped_before"]["step"] == "access"
    # What remains, in the guide's words (not internal ids).
    assert out["remaining"] == ["Grant Kore access", "Test configuration", "Confirm"]


def test_bad_fault_spec_is_exit_2(tmp_path, world, answers_file):
    result = cli("run", "--answers", str(answers_file()), "--sandbox-state", str(world),
                 "--session", str(tmp_path / "s.json"), "--yes", "--faults", "throttle:moon=0.5")  # fmt: skip
    assert result.returncode == 2 and "--faults" in result.stderr


def test_throttled_arm_still_converges(tmp_path, world, answers_file):
    result = run_full(tmp_path, world, answers_file, "--faults", "throttle:arm=0.3,seed=3")
    assert result.returncode == 4, result.stderr
    assert report(result)["status"] == "pass"


CONSOLE = """
[enterprise_key]
enforcement_date = "2099-01-01"

[apps]
source = "sandbox"
deselect = [{deselect}]
"""


def run_console(tmp_path, world, answers_file, deselect="", *extra):
    text = FULL.replace("{export}", str(tmp_path / "handoff")) + CONSOLE.replace("{deselect}", deselect)
    return cli("run", "--answers", str(answers_file(text)), "--sandbox-state", str(world), "--session",
               str(tmp_path / "session.json"), "--yes", "--json", *extra)  # fmt: skip


def first_bot_ids(world, n):
    return [b["_id"] for b in Sandbox.load(world).world.kore.bots[:n]]


def test_the_console_flow_runs_headless_to_the_final_record(tmp_path, world, answers_file):
    ids = first_bot_ids(world, 2)
    result = run_console(tmp_path, world, answers_file, ", ".join(f'"{i}"' for i in ids))
    assert result.returncode == 0, result.stderr
    out = report(result)
    assert [s["id"] for s in out["steps"]][-4:] == ["enterprise_key", "test", "apps", "confirm"]
    test = next(s for s in out["steps"] if s["id"] == "test")
    statuses = {c["id"]: c["status"] for c in test["checks"]}
    for name in ("connectivity", "authentication", "encryption", "decryption"):
        assert statuses[f"test.{name}"] == "pass" and statuses[f"kore.test.{name}"] == "pass"
    record = json.loads((tmp_path / "handoff" / "kore-byok-record.json").read_text())
    assert record["default_key_apps"] == ids and len(record["encrypted_apps"]) == 28
    text = (tmp_path / "session.json").read_text() + json.dumps(record)
    assert "clientSecret" not in text and "jwtApps" not in text


def test_a_past_enforcement_date_is_exit_2_and_changes_nothing(tmp_path, world, answers_file):
    before = world.read_text()
    text = FULL.replace("{export}", str(tmp_path / "h")) + CONSOLE.replace(
        "2099-01-01", "2001-01-01"
    ).replace("{deselect}", "")
    result = cli("run", "--answers", str(answers_file(text)), "--sandbox-state", str(world), "--session",
                 str(tmp_path / "s.json"), "--yes")  # fmt: skip
    assert result.returncode == 2 and "enterprise_key.enforcement_date" in result.stderr
    assert world.read_text() == before


def test_an_unknown_app_id_is_exit_2_and_changes_nothing(tmp_path, world, answers_file):
    before = world.read_text()
    result = run_console(tmp_path, world, answers_file, '"st-not-a-bot"')
    assert result.returncode == 2 and "st-not-a-bot" in result.stderr
    assert world.read_text() == before


def test_a_vault_without_purge_protection_stops_the_run_with_the_fix(tmp_path):
    world = tmp_path / "legacy.json"
    Sandbox.create("existing-vault").save(world)
    sb = Sandbox.load(world)
    text = FULL.replace("{export}", str(tmp_path / "h")).replace(
        'resource_group = "rg-kore-byok"\ncreate_resource_group = true\nlocation = "eastus"\nname = "kv-full-byok"\n'
        'key_name = "kore-cmk"\nkey_size = 4096',
        'resource_group = "rg-shared-security"\nname = "kv-contoso-legacy"\ncreate_vault = false\n'
        'key_name = "legacy-cmk"\ncreate_key = false',
    )
    assert "kv-contoso-legacy" in text
    path = tmp_path / "a.toml"
    path.write_text(text.format(tenant=sb.tenant_id, subscription=sb.subscription_id))
    result = cli("run", "--answers", str(path), "--sandbox-state", str(world), "--session",
                 str(tmp_path / "s.json"), "--yes", "--json")  # fmt: skip
    assert result.returncode == 1
    out = report(result)
    assert out["stopped_before"] == {
        "step": "access",
        "reason": "Key Vault and key has failing checks; fix them and run again",
    }
    failed = [c for s in out["steps"] for c in s["checks"] if c["status"] == "fail"]
    assert [c["id"] for c in failed] == ["vault.purge_protection"]
    assert "--enable-purge-protection true" in failed[0]["remedy"]
    assert not Sandbox.load(world).world.vaults["kv-contoso-legacy"].properties.get("enablePurgeProtection")


def test_every_change_in_the_journal_names_the_request_that_made_it(tmp_path, world, answers_file):
    """Graph's `request-id` (creating Kore's service principal) is journalled like Resource Manager's."""
    assert run_full(tmp_path, world, answers_file).returncode == 4  # no console answers: stops before them
    lines = [json.loads(line) for line in (tmp_path / "session.json.journal").read_text().splitlines()]
    # Writing the hand-off files is the one change made on this machine, not in Azure.
    applied = [e for e in lines if e.get("outcome") == "applied" and e["action"] != "share.export"]
    assert any(entry["step"] == "authorize" for entry in applied)
    assert [entry for entry in applied if not entry.get("request_id")] == []


def test_a_closed_stdout_stops_neither_the_run_nor_ends_in_a_traceback(tmp_path, world, answers_file):
    """`run … | head`: the reader leaves after a few lines; the run goes on to the end (#15, item 6)."""
    import subprocess
    import sys

    text = FULL.replace("{export}", str(tmp_path / "handoff"))
    session = tmp_path / "s.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "byok_tui", "run", "--answers", str(answers_file(text)), "--sandbox-state",
         str(world), "--session", str(session), "--yes"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout.readline().startswith("== ")
    proc.stdout.close()  # as `head -1` does
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 4, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert json.loads(session.read_text())["steps"]["network"]["applied"] is True


def test_a_run_that_stops_before_confirm_is_not_a_success_and_says_what_remains(
    tmp_path, world, answers_file
):
    text = FULL.replace("{export}", str(tmp_path / "handoff")) + CONSOLE.split("[apps]")[0]
    result = cli("run", "--answers", str(answers_file(text)), "--sandbox-state", str(world), "--session",
                 str(tmp_path / "session.json"), "--yes")  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert "Stopped before Confirm: Apps and bots has not passed (add [apps])" in result.stdout
    assert "Still to do: Confirm." in result.stdout
    assert "details:" not in result.stderr  # not an error: nothing in the log to read


def test_export_is_the_step_4_bundle_names_and_content(tmp_path, world, answers_file):
    """One hand-off (#15, item 17): export --format json|md prints what Step 4 wrote, Kore's principal and
    the cloud included."""
    assert run_full(tmp_path, world, answers_file).returncode == 4
    session = str(tmp_path / "session.json")
    for fmt, name in (("json", "kore-byok-handoff.json"), ("md", "kore-byok-handoff.md")):
        printed = cli("export", "--session", session, "--format", fmt).stdout
        written = (tmp_path / "handoff" / name).read_text()

        def untimed(text: str) -> list[str]:
            return [
                line
                for line in text.splitlines()
                if "generated_at" not in line and "Generated by" not in line
            ]

        assert untimed(printed) == untimed(written)
    md = cli("export", "--session", session, "--format", "md").stdout
    assert "Kore service principal object ID" in md and "AzureCloud" in md
