"""Plans and pure rules of steps 1, 3, 4 and 5."""

from __future__ import annotations

import dataclasses
import json

import pytest

from byok_tui.engine import access, authorize, network, share
from byok_tui.errors import ByokError
from byok_tui.kore import bundle
from byok_tui.models import EndpointConnectionInfo
from byok_tui.state import (
    AccessState,
    AuthorizeState,
    NetworkState,
    ShareState,
    SigninState,
    VaultState,
    WizardState,
)  # fmt: skip

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
KORE = "0d1f3c5e-2b4a-4c6d-8e0f-1a2b3c4d5e6f"
SP = "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-byok-1"


def state(**sections) -> WizardState:
    base = WizardState(
        signin=SigninState(tenant_id=TENANT, subscription_id=SUB),
        authorize=AuthorizeState(method="service-principal", kore_client_id=KORE, sp_object_id=SP,
                                 sp_display_name="Kore.ai"),
        vault=VaultState(resource_group="rg", name="kv-byok-1", key_name="kore-cmk", vault_id=VAULT_ID,
                         vault_uri="https://kv-byok-1.vault.azure.net/", rbac_authorization=True,
                         key_id="https://kv-byok-1.vault.azure.net/keys/kore-cmk/" + "a" * 32),
    )  # fmt: skip
    return dataclasses.replace(base, **sections)


def test_authorize_plans_match_the_seed_options():
    (create,) = authorize.plan(state())
    assert create.az == f"az ad sp create --id '{KORE}'"
    consent = state(authorize=AuthorizeState(method="consent-url", kore_client_id=KORE))
    (wait,) = authorize.plan(consent)
    assert f"https://login.microsoftonline.com/{TENANT}/adminconsent?client_id={KORE}" in wait.az
    assert (
        authorize.consent_url(consent)
        == f"https://login.microsoftonline.com/{TENANT}/adminconsent?client_id={KORE}"
    )


def test_authorize_problems_name_fields():
    bad = state(authorize=AuthorizeState(method="magic", kore_client_id="kore"))
    assert [p.field for p in authorize.problems(bad)] == ["authorize.kore_client_id", "authorize.method"]


def test_access_plan_rbac_and_policy():
    (role,) = access.plan(state())
    assert role.id == "access.role"
    assert (
        f"--assignee-object-id '{SP}' --assignee-principal-type 'ServicePrincipal' --scope '{VAULT_ID}'"
        in role.az
    )
    policy_vault = state(vault=dataclasses.replace(state().vault, rbac_authorization=False))
    (policy,) = access.plan(policy_vault)
    assert policy.az.endswith("--key-permissions 'get' 'encrypt' 'decrypt' 'wrapKey' 'unwrapKey'")


def test_access_needs_steps_1_and_2():
    empty = WizardState()
    assert {p.field for p in access.problems(empty)} == {"vault", "authorize"}


def test_share_handoff_values_and_plan():
    s = state(share=ShareState(export_dir="/tmp/x"))
    assert share.handoff(s)["key_vault_uri"] == "https://kv-byok-1.vault.azure.net/"
    assert share.problems(s) == []
    assert share.plan(s)[0].target == "/tmp/x"
    assert [p.field for p in share.problems(state())] == ["share.export_dir"]


def test_bundle_files(tmp_path):
    paths = bundle.write(tmp_path / "out", share.handoff(state()))
    data = json.loads(paths[0].read_text())
    assert data["key_name"] == "kore-cmk" and data["tenant_id"] == TENANT
    md = paths[1].read_text()
    assert "| Key Vault URI | `https://kv-byok-1.vault.azure.net/` |" in md
    assert "| Kore service principal object ID | `" + SP + "` |" in md


def test_firewall_rules_add_the_operator_ip_once():
    s = state(network=NetworkState(mode="firewall", ip_rules=("20.42.10.0/24", "198.51.100.7"),
                                   operator_ip="198.51.100.7"))  # fmt: skip
    assert network.rules(s) == ["20.42.10.0/24", "198.51.100.7"]
    declined = dataclasses.replace(s, network=dataclasses.replace(s.network, allow_operator_ip=False,
                                                                  ip_rules=("20.42.10.0/24",)))  # fmt: skip
    assert network.rules(declined) == ["20.42.10.0/24"]
    (change,) = network.plan(declined)
    assert change.destructive and "can no longer reach the vault" in change.detail
    assert (
        "az keyvault update --name 'kv-byok-1' --resource-group 'rg' --default-action 'Deny' --bypass 'AzureServices'"
        in change.az
    )
    assert (
        "az keyvault network-rule add --name 'kv-byok-1' --resource-group 'rg' --ip-address '20.42.10.0/24'"
        in change.az
    )


def test_firewall_problems():
    s = state(network=NetworkState(mode="firewall", ip_rules=("10.0.0.1",), allow_operator_ip=True))
    fields = [p.field for p in network.problems(s)]
    assert fields == ["network.ip_rules", "network.operator_ip"]
    nobody = state(
        network=NetworkState(mode="firewall", allow_operator_ip=False, allow_trusted_services=False)
    )
    assert "would block everyone" in network.problems(nobody)[0].rule


def conn_info(name: str, status: str) -> EndpointConnectionInfo:
    return EndpointConnectionInfo(name=name, id=f"{VAULT_ID}/privateEndpointConnections/{name}", status=status,
                                  private_endpoint_id=f"/subscriptions/x/pe/{name}")  # fmt: skip


def test_which_connection_to_approve():
    pending, approved, rejected = (
        conn_info("kore-pe", "Pending"),
        conn_info("old", "Approved"),
        conn_info("r", "Rejected"),
    )
    assert network.kore_connection([approved, pending, rejected]) == pending
    assert network.kore_connection([approved, rejected]) == approved
    assert network.kore_connection([rejected]) is None
    assert network.kore_connection([pending, approved], "old") == approved
    with pytest.raises(ByokError, match="2 private-endpoint connections are pending"):
        network.kore_connection([pending, conn_info("other", "Pending")])


def test_private_endpoint_plan():
    s = state(network=NetworkState(mode="private-endpoint", connection_name="kore-pe"))
    (change,) = network.plan(s)
    assert change.az.startswith("az keyvault private-endpoint-connection approve --vault-name 'kv-byok-1'")
    assert change.target.endswith("/privateEndpointConnections/kore-pe")


def test_unused_access_state_defaults_round_trip():
    s = state(access=AccessState(mode="rbac", scope=VAULT_ID, assignment_id="x"))
    assert WizardState.from_json(s.to_json()) == s


def test_az_commands_survive_a_shell_with_a_legal_but_awkward_resource_group():
    """Resource group names may hold parentheses and periods: the az lines must still parse as one
    argument each, so a copied command does what the plan says."""
    import shlex

    from byok_tui.engine import vault

    rg = "rg(prod).kore"
    vault_id = VAULT_ID.replace("/resourceGroups/rg/", f"/resourceGroups/{rg}/")
    s = state(
        vault=dataclasses.replace(state().vault, resource_group=rg, vault_id=vault_id, create_resource_group=True,
                                  create_vault=True, create_key=True, location="eastus"),
        network=NetworkState(mode="firewall", ip_rules=("203.0.113.7/32",)),
    )  # fmt: skip
    lines = [line for module in (vault, access, network) for change in module.plan(s)
             for line in change.az.splitlines() if not line.startswith("#")]  # fmt: skip
    assert lines
    for line in lines:
        # punctuation_chars splits on ( ) ; < > as bash would, unless they are quoted.
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        argv = list(lexer)
        if "--resource-group" in argv:
            assert argv[argv.index("--resource-group") + 1] == rg
        if "--scope" in argv:
            assert argv[argv.index("--scope") + 1] == vault_id
        assert not any(token in argv for token in ("(", ")", "<", ">", ";"))
