"""The vault step's pure parts: what it plans, and how it judges a key."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from byok_tui.engine import vault
from byok_tui.models import KeyInfo
from byok_tui.state import SigninState, VaultState, WizardState

SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OPERATOR = "4a3f1c2e-8b7d-4e5f-9a1b-2c3d4e5f6a7b"


def answers(**vault_fields) -> WizardState:
    base = VaultState(
        resource_group="rg-byok", create_resource_group=True, location="eastus", name="kv-byok-1",
        key_name="kore-cmk", key_size=3072,
    )  # fmt: skip
    return WizardState(
        signin=SigninState(tenant_id=TENANT, subscription_id=SUB, operator_object_id=OPERATOR),
        vault=dataclasses.replace(base, **vault_fields),
    )


def test_new_everything_plans_group_vault_role_key_in_order():
    changes = vault.plan(answers())
    assert [c.id for c in changes] == [
        "vault.resource_group", "vault.vault", "vault.operator_access", "vault.key"
    ]  # fmt: skip
    group, new_vault, role, key = changes
    assert group.az == f"az group create --name 'rg-byok' --location 'eastus' --subscription '{SUB}'"
    assert (
        "--enable-purge-protection 'true'" in new_vault.az
        and "--enable-rbac-authorization 'true'" in new_vault.az
    )
    assert new_vault.irreversible and "cannot be turned off" in new_vault.detail
    assert (
        new_vault.target
        == f"/subscriptions/{SUB}/resourceGroups/rg-byok/providers/Microsoft.KeyVault/vaults/kv-byok-1"
    )
    assert "role assignment create --role 'Key Vault Crypto Officer'" in role.az and OPERATOR in role.az
    assert key.az == (
        "az keyvault key create --vault-name 'kv-byok-1' --name 'kore-cmk' --kty 'RSA' --size '3072' "
        "--ops 'encrypt' 'decrypt' 'wrapKey' 'unwrapKey'"
    )
    assert key.target == "https://kv-byok-1.vault.azure.net/keys/kore-cmk"


def test_existing_group_is_not_created():
    assert "vault.resource_group" not in [c.id for c in vault.plan(answers(create_resource_group=False))]


def test_adopting_an_access_policy_vault_plans_a_policy_not_a_role():
    state = answers(create_resource_group=False, create_vault=False, rbac_authorization=False)
    ids = [c.id for c in vault.plan(state)]
    assert ids == ["vault.operator_access", "vault.key"]
    assert "az keyvault set-policy" in vault.plan(state)[0].az


def test_purge_protection_on_an_adopted_vault_is_irreversible_and_only_when_asked():
    without = answers(create_resource_group=False, create_vault=False, rbac_authorization=True)
    assert "vault.purge_protection" not in [c.id for c in vault.plan(without)]
    asked = dataclasses.replace(
        without, vault=dataclasses.replace(without.vault, enable_purge_protection=True)
    )
    change = vault.plan(asked)[0]
    assert change.id == "vault.purge_protection" and change.irreversible


def test_adopting_an_existing_key_changes_nothing():
    changes = vault.plan(answers(create_key=False))
    assert changes[-1].id == "vault.key" and "no change in Azure" in changes[-1].title
    assert "vault.operator_access" not in [c.id for c in changes]


def test_hsm_key_plan_and_rule():
    state = answers(sku="premium", key_hsm=True)
    assert "--kty 'RSA-HSM'" in vault.plan(state)[-1].az
    problems = vault.problems(answers(key_hsm=True))
    assert [p.field for p in problems] == ["vault.key_hsm"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "kv"), ("name", "1vault"), ("key_name", "bad_name"), ("resource_group", "rg."), ("key_size", 1024),
     ("location", "East US"), ("sku", "gold")],
)  # fmt: skip
def test_problems_name_the_field(field, value):
    problems = vault.problems(answers(**{field: value}))
    assert [p.field for p in problems] == [f"vault.{field}"]
    assert problems[0].rule


def test_good_answers_have_no_problems():
    assert vault.problems(answers()) == []


NOW = datetime(2026, 11, 29, tzinfo=UTC)


def key(**fields) -> KeyInfo:
    base = KeyInfo(
        name="kore-cmk", kid="https://kv.vault.azure.net/keys/kore-cmk/" + "a" * 32, kty="RSA", size=3072,
        enabled=True, key_ops=("encrypt", "decrypt", "wrapKey", "unwrapKey"),
    )  # fmt: skip
    return dataclasses.replace(base, **fields)


def statuses(k: KeyInfo) -> dict[str, str]:
    return {r.id: r.status for r in vault.key_checks(k, NOW)}


def test_a_good_key_passes_every_check():
    assert set(statuses(key()).values()) == {"pass"}


@pytest.mark.parametrize(
    ("fields", "check_id", "status"),
    [
        ({"enabled": False}, "key.enabled", "fail"),
        ({"kty": "EC"}, "key.type", "fail"),
        ({"size": 1024}, "key.size", "fail"),
        ({"size": None}, "key.size", "fail"),
        ({"key_ops": ("encrypt", "decrypt")}, "key.operations", "fail"),
        ({"expires_on": (NOW - timedelta(days=1)).isoformat()}, "key.expiry", "fail"),
        ({"expires_on": (NOW + timedelta(days=30)).isoformat()}, "key.expiry", "warn"),
        ({"expires_on": (NOW + timedelta(days=400)).isoformat()}, "key.expiry", "pass"),
        ({"not_before": (NOW + timedelta(days=1)).isoformat()}, "key.expiry", "fail"),
        ({"kty": "RSA-HSM"}, "key.type", "pass"),
    ],
)
def test_key_rules(fields, check_id, status):
    results = {r.id: r for r in vault.key_checks(key(**fields), NOW)}
    assert results[check_id].status == status
    if status != "pass":
        assert results[check_id].remedy


def test_missing_operations_are_named():
    result = {r.id: r for r in vault.key_checks(key(key_ops=("encrypt", "decrypt")), NOW)}["key.operations"]
    assert "wrapKey" in result.detail and "unwrapKey" in result.detail
