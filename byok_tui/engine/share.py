"""Step 4 of the seed: share the tenant id, the Key Vault URI and the key name with Kore.ai.

Shows the values (with the key identifier and Kore's service-principal object id), writes the hand-off
bundle to a folder the operator chooses, and checks that every value still matches Azure.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.errors import ByokError, InputError
from byok_tui.state import WizardState

STEP_ID = "share"
TITLE = "Share with Kore.ai"
PURPOSE = "Give Kore.ai support the three values it needs: your tenant ID, Key Vault URI and key name."
DEFAULT_EXPORT_DIR = "~/kore-byok-handoff"


def handoff(state: WizardState) -> dict[str, str]:
    """The values to send, in the guide's order (plus the extras that save a support round trip)."""
    return {
        "tenant_id": state.signin.tenant_id,
        "key_vault_uri": state.vault.vault_uri,
        "key_name": state.vault.key_name,
        "key_identifier": state.vault.key_id,
        "kore_sp_object_id": state.authorize.sp_object_id,
        "cloud": state.signin.cloud,
    }


def problems(state: WizardState) -> list[InputError]:
    values = handoff(state)
    found = [
        InputError(field, "is not recorded yet: finish the earlier steps first")
        for field in ("tenant_id", "key_vault_uri", "key_name", "key_identifier")
        if not values[field]
    ]
    if not state.share.export_dir.strip():
        found.append(InputError("share.export_dir", "Choose a folder for the hand-off bundle."))
    return found


def plan(state: WizardState) -> list[Change]:
    folder = state.share.export_dir or DEFAULT_EXPORT_DIR
    return [
        Change(
            id="share.export",
            title=f"Write the hand-off bundle (JSON and Markdown) to {folder}",
            target=folder,
            az="# no change in Azure: the files hold ids and URLs only, nothing secret",
        )
    ]


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    from byok_tui.kore import bundle

    if change.id != "share.export":
        raise ByokError(f"Unknown change {change.id!r} for the share step")
    values = {**handoff(state), "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "session": state.session_id}  # fmt: skip
    progress("Writing the hand-off bundle…", 0.5)
    try:
        paths = bundle.write(state.share.export_dir or DEFAULT_EXPORT_DIR, values)
    except OSError as e:
        raise ByokError(
            "Could not write the hand-off bundle", detail=f"{e.strerror or e}: {e.filename or ''}",
            remedy="Choose a folder you can write to.",
        ) from e  # fmt: skip
    progress(f"Wrote {paths[0].name} and {paths[1].name}.", 1.0)
    return dataclasses.replace(state, share=dataclasses.replace(state.share, exported=tuple(map(str, paths))))


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import graph, keys, vaults

    values = handoff(state)
    results = [
        CheckResult(f"share.{k}", f"{label} is recorded", "pass" if values[k] else "fail",
                    detail=values[k] or "Not recorded.", remedy="" if values[k] else "Finish the earlier steps.")
        for k, label in (("tenant_id", "Tenant ID"), ("key_vault_uri", "Key Vault URI"), ("key_name", "Key name"))
    ]  # fmt: skip
    if not all(values[k] for k in ("tenant_id", "key_vault_uri", "key_name")):
        return results
    v, sub = state.vault, state.signin.subscription_id
    start = time.perf_counter()
    try:
        vault = await vaults.get_vault(conn, sub, v.resource_group, v.name)
        key = await keys.get_key(conn, v.vault_uri, v.key_name) if vault else None
        sp = await graph.find_service_principal(conn, state.authorize.kore_client_id) \
            if state.authorize.kore_client_id else None  # fmt: skip
    except ByokError as exc:
        return [*results, CheckResult("share.consistent", "Values match Azure", "fail", detail=exc.detail or
                                      exc.title, remedy=exc.remedy, request_id=exc.request_id)]  # fmt: skip
    ms = round((time.perf_counter() - start) * 1000, 1)
    mismatches = []
    if vault is None or vault.uri.rstrip("/").lower() != v.vault_uri.rstrip("/").lower():
        mismatches.append("the vault URI is not the vault's")
    if vault and vault.tenant_id and vault.tenant_id.lower() != values["tenant_id"].lower():
        mismatches.append(f"the vault belongs to tenant {vault.tenant_id}")
    if key is None:
        mismatches.append(f"the vault has no key named {v.key_name}")
    elif key.kid != v.key_id:
        mismatches.append(f"the key's latest version is {key.version}, not the recorded one")
    if state.authorize.sp_object_id and (sp is None or sp.object_id != state.authorize.sp_object_id):
        mismatches.append("Kore's service principal object id differs")
    results.append(
        CheckResult(
            "share.consistent", "Values match Azure", "fail" if mismatches else "pass",
            detail="; ".join(mismatches).capitalize() + "." if mismatches else "Vault, key and principal agree.",
            remedy="Re-apply Steps 1 and 2 to record the current values, then export again." if mismatches else "",
            ms=ms,
        )
    )  # fmt: skip
    if state.share.exported:
        results.append(CheckResult("share.exported", "Hand-off bundle written", "pass",
                                   detail=", ".join(state.share.exported)))  # fmt: skip
    return results
