"""`export --format az` is a script that is correct on its own (issue #15, item 5): it pins the cloud, the
subscription and the tenant once at the top, names the resource group wherever az accepts one, and quotes
every value."""

from __future__ import annotations

import dataclasses
import re
import shlex

import pytest

from byok_tui.headless import export_text
from byok_tui.state import (
    AuthorizeState,
    NetworkState,
    ShareState,
    SigninState,
    StepRecord,
    VaultState,
    WizardState,
)  # fmt: skip

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
RG = "rg(prod) kore's"  # a name that breaks any unquoted or half-quoted command line
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.KeyVault/vaults/kv-byok-1"

# az commands that accept --resource-group (the others name their target by id or by vault name only)
TAKES_RESOURCE_GROUP = (
    "keyvault create", "keyvault update", "keyvault set-policy", "keyvault network-rule add",
    "keyvault private-endpoint-connection approve",
)  # fmt: skip


def session(mode: str, rbac: bool = True) -> WizardState:
    state = WizardState(
        signin=SigninState(tenant_id=TENANT, subscription_id=SUB, cloud="AzureCloud"),
        authorize=AuthorizeState(method="service-principal", kore_client_id="0d1f3c5e-2b4a-4c6d-8e0f-1a2b3c4d5e6f",
                                 sp_object_id="5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e"),
        vault=VaultState(resource_group=RG, create_resource_group=True, create_vault=True, create_key=True,
                         location="eastus", name="kv-byok-1", key_name="kore-cmk", vault_id=VAULT_ID,
                         vault_uri="https://kv-byok-1.vault.azure.net/", rbac_authorization=rbac,
                         key_id="https://kv-byok-1.vault.azure.net/keys/kore-cmk/" + "a" * 32),
        share=ShareState(export_dir="/tmp/hand off"),
        network=NetworkState(mode=mode, ip_rules=("203.0.113.7/32",), connection_name="pe-kore"),
    )  # fmt: skip
    for step_id in ("authorize", "vault", "access", "share", "network"):
        state = state.with_step(
            step_id, dataclasses.replace(StepRecord(), applied=True, applied_changes=("x",))
        )
    return state


def commands(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("az ")]


@pytest.mark.parametrize("mode", ["firewall", "private-endpoint"])
@pytest.mark.parametrize("rbac", [True, False], ids=["rbac", "access-policies"])
def test_every_exported_command_pins_its_scope_and_quotes_every_value(mode, rbac):
    script = export_text(session(mode, rbac), "az")
    lines = script.splitlines()
    assert lines[:3] == ["#!/bin/sh", lines[1], "set -eu"] and "sh FILE" in lines[1]
    assert commands(script)[:2] == [
        "az cloud set --name 'AzureCloud'",
        f"az account set --subscription '{SUB}'",
    ]
    assert any(f"!= '{TENANT}'" in line and "az account show --query tenantId" in line for line in lines[:8])
    body = commands(script)[2:]
    assert len(body) >= 5
    for line in body:
        words = re.findall(r"'(?:[^']|'\"'\"')*'|\S+", line)
        first_option = next(i for i, w in enumerate(words) if w.startswith("--"))
        command = " ".join(words[1:first_option])
        for word in words[first_option:]:
            assert word.startswith("--") or (word.startswith("'") and word.endswith("'")), (word, line)
        if command in TAKES_RESOURCE_GROUP:
            argv = shlex.split(line)
            assert argv[argv.index("--resource-group") + 1] == RG, line
    assert "az account set" not in "\n".join(body)


def test_the_guide_says_how_to_run_the_script():
    from pathlib import Path

    guide = (Path(__file__).parents[2] / "docs" / "guide.md").read_text(encoding="utf-8")
    assert "--format az > byok.sh" in guide and "sh byok.sh" in guide
