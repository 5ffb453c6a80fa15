"""The enterprise key's pure rules: prefill, identifier and tenant rules, dates, the lock, versions."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from byok_tui.engine import enterprise_key as ek
from byok_tui.engine import manage
from byok_tui.engine import test_configuration as test_step
from byok_tui.engine.model import CheckResult
from byok_tui.errors import ByokError
from byok_tui.state import (
    ConfirmState,
    EnterpriseKeyState,
    SigninState,
    StepRecord,
    VaultState,
    WizardState,
)  # fmt: skip

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
VERSION = "0123456789abcdef0123456789abcdef"
TODAY = date(2025, 1, 15)


def make(
    uri: str = "https://kv-byok-1.vault.azure.net/", *, cloud: str = "AzureCloud", **ek_fields
) -> WizardState:
    kid = f"{uri}keys/kore-cmk/{VERSION}"
    values = {"key_identifier": kid, "tenant_id": TENANT, "enforcement_date": "2025-02-14", **ek_fields}
    return WizardState(
        signin=SigninState(cloud=cloud, tenant_id=TENANT),
        vault=VaultState(name="kv-byok-1", key_name="kore-cmk", vault_uri=uri, key_id=kid),
        enterprise_key=EnterpriseKeyState(**values),
    )


def fields(found) -> dict[str, str]:
    return {p.field: p.rule for p in found}


def test_prefill_takes_the_identifier_from_step_2_and_the_signed_in_tenant():
    state = make(key_identifier="", tenant_id="")
    filled = ek.prefill(state).enterprise_key
    assert filled.key_identifier == state.vault.key_id and filled.tenant_id == TENANT
    typed = ek.prefill(make(key_identifier="https://kv-byok-1.vault.azure.net/keys/kore-cmk"))
    assert typed.enterprise_key.key_identifier == "https://kv-byok-1.vault.azure.net/keys/kore-cmk"  # kept


@pytest.mark.parametrize(
    ("uri", "cloud"),
    [
        ("https://kv-byok-1.vault.azure.net/", "AzureCloud"),
        ("https://kv-byok-1.vault.usgovcloudapi.net/", "AzureUSGovernment"),
        ("https://kv-byok-1.vault.azure.cn/", "AzureChinaCloud"),
    ],
)
@pytest.mark.parametrize("versioned", [True, False], ids=["versioned", "versionless"])
def test_identifiers_on_every_cloud_with_or_without_a_version(uri, cloud, versioned):
    identifier = f"{uri}keys/kore-cmk" + (f"/{VERSION}" if versioned else "")
    state = make(uri, cloud=cloud, key_identifier=identifier)
    assert ek.problems(state, TODAY) == []
    assert ("exactly this version" if versioned else "latest version") in ek.identifier_note(identifier)


@pytest.mark.parametrize(
    ("identifier", "says"),
    [
        ("", "is required"),
        ("kv-byok-1.vault.azure.net/keys/kore-cmk", "must start with https://"),
        ("https://kv-byok-1.example.com/keys/kore-cmk", "must be on a Key Vault host ending in"),
        ("https://kv-byok-1.vault.azure.net/secrets/kore-cmk", "points at secrets"),
        ("https://kv-byok-1.vault.azure.net/keys/kore-cmk/123", "invalid key version"),
        ("https://kv-other.vault.azure.net/keys/kore-cmk", "must name the key recorded in Step 2"),
        ("https://kv-byok-1.vault.azure.net/keys/other-key", "must name the key recorded in Step 2"),
        ("https://kv-byok-1.vault.usgovcloudapi.net/keys/kore-cmk", "must name the key recorded in Step 2"),
    ],
)
def test_bad_identifiers_name_the_field_and_the_rule(identifier, says):
    rule = fields(ek.problems(make(key_identifier=identifier), TODAY))["enterprise_key.key_identifier"]
    assert rule.startswith("Key identifier") and says in rule
    assert ek.identifier_problem(make(), identifier) == rule


def test_the_identifier_match_ignores_case_of_the_host_and_key():
    state = make(key_identifier=f"https://KV-BYOK-1.vault.azure.net/keys/KORE-CMK/{VERSION}")
    assert ek.problems(state, TODAY) == []


@pytest.mark.parametrize(
    ("tenant", "says"),
    [
        ("", "is required"),
        ("not-a-guid", "Tenant ID"),
        ("9e7bbb39-752e-4401-b07f-74c98790c149", "must be the tenant that holds the vault"),
    ],
)
def test_the_tenant_must_be_a_guid_and_the_vaults_tenant(tenant, says):
    rule = fields(ek.problems(make(tenant_id=tenant), TODAY))["enterprise_key.tenant_id"]
    assert rule.startswith("Tenant ID") and says in rule
    assert ek.tenant_problem(make(), TENANT.upper()) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "is required"),
        ("14/02/2025", "must be written YYYY-MM-DD"),
        ("2025-02-30", "February 2025 has 28 days"),
        ("2025-01-14", "must be today (2025-01-15) or later (this one is 2025-01-14)"),
    ],
)
def test_enforcement_date_rules(text, says):
    rule = fields(ek.problems(make(enforcement_date=text), TODAY))["enterprise_key.enforcement_date"]
    assert rule.startswith("Enforcement date") and says in rule


def test_today_and_the_quick_picks_are_accepted():
    assert [ek.quick_date(TODAY, days) for _, days in ek.QUICK_DATES] == [
        "2025-01-15",
        "2025-01-22",
        "2025-02-14",
    ]
    for _, days in ek.QUICK_DATES:
        assert ek.problems(make(enforcement_date=ek.quick_date(TODAY, days)), TODAY) == []


def test_the_lock_starts_the_day_after_enforcement_and_only_once_confirmed():
    state = make(enforcement_date="2025-01-10")
    assert not ek.locked(state, TODAY)  # never confirmed: still a draft
    state = dataclasses.replace(state, confirm=ConfirmState(confirmed_at="2025-01-02T10:00:00+00:00"))
    assert not ek.locked(state, date(2025, 1, 10)) and ek.locked(state, date(2025, 1, 11))
    assert ek.lock_reason(state, date(2025, 1, 10)) == ""
    reason = ek.lock_reason(state, TODAY)
    assert (
        "2025-01-10" in reason and "2025-01-02" in reason and "rotation" in reason and "read-only" in reason
    )
    # Once locked, the past date is no longer a problem (it is the record of when encryption began).
    assert ek.problems(state, TODAY) == []
    with pytest.raises(ByokError, match="Enforcement started on 2025-01-10"):
        manage.refuse_if_locked(state, "enterprise_key", TODAY)
    for allowed in ("test", "apps", "confirm", "share", "validate"):
        manage.refuse_if_locked(state, allowed, TODAY)


def test_toggle_between_the_versioned_and_versionless_forms():
    state = make()
    versionless = "https://kv-byok-1.vault.azure.net/keys/kore-cmk"
    assert ek.toggle_version(state.vault.key_id, state.vault.key_id) == versionless
    assert ek.toggle_version(versionless, state.vault.key_id) == state.vault.key_id
    assert ek.toggle_version(versionless, "") is None  # no version recorded to pin
    assert ek.toggle_version(versionless, f"https://kv-other.vault.azure.net/keys/kore-cmk/{VERSION}") is None
    assert ek.toggle_version("https://nope", state.vault.key_id) is None


def test_changed_values_unrecord_the_step_and_clear_the_test():
    done = make().with_step("enterprise_key", StepRecord(applied=True, checked="pass"))
    done = done.with_step("test", StepRecord(checked="pass"))
    assert ek.with_answers(done, done) is done
    moved = dataclasses.replace(done, enterprise_key=dataclasses.replace(done.enterprise_key,
                                                                         enforcement_date="2025-03-01"))  # fmt: skip
    after = ek.with_answers(done, moved)
    assert after.step("enterprise_key") == StepRecord() and after.step("test").checked == ""
    assert after.enterprise_key.enforcement_date == "2025-03-01"


def test_the_plan_records_the_values_and_changes_nothing_in_azure():
    (change,) = ek.plan(make())
    assert change.id == "enterprise_key.record" and "2025-02-14" in change.title
    assert change.target == make().vault.key_id and TENANT in change.detail
    assert change.az.startswith("#") and not change.irreversible and not change.destructive


def test_rotatable_once_recorded_or_confirmed():
    state = make()
    assert not ek.rotatable(state)
    assert ek.rotatable(state.with_step("enterprise_key", StepRecord(applied=True)))
    assert ek.rotatable(
        dataclasses.replace(state, confirm=ConfirmState(confirmed_at="2025-01-02T10:00:00+00:00"))
    )
    assert not ek.rotatable(dataclasses.replace(state, vault=VaultState()).with_step(
        "enterprise_key", StepRecord(applied=True)))  # fmt: skip


def test_test_sections_follow_the_result_ids():
    titles = [test_step.section_of(CheckResult(i, i, "pass"))
              for i in ("test.connectivity", "kore.access.granted", "kore.test.decryption")]  # fmt: skip
    assert titles == [test_step.SECTIONS["test"], test_step.SECTIONS["kore"], test_step.SECTIONS["kore.test"]]
