"""Step 4 of the seed: share the tenant id, the Key Vault URI and the key name with Kore.ai.

Shows the values (with the key identifier and Kore's service-principal object id), writes the hand-off
bundle to a folder the operator chooses, and checks that every value still matches Azure.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress, sentence
from byok_tui.engine.step import Step, needs_vault, undated_check, undated_problems
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


def bundle_values(state: WizardState, now: datetime | None = None) -> dict[str, str]:
    """What the hand-off bundle holds: the values, and when and from which session they were written. The
    Step 4 files, `byok-tui export --format json|md` and the palette's export all write exactly this."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return {**handoff(state), "generated_at": stamp, "session": state.session_id}


MISSING_FROM = {"tenant_id": "signin", "key_vault_uri": "vault", "key_name": "vault", "key_identifier": "vault",
                "kore_sp_object_id": "authorize"}  # fmt: skip
"""Which earlier step records each hand-off value."""


def missing_steps(state: WizardState) -> list[str]:
    """The earlier steps (ids, in order) whose values the hand-off still lacks."""
    values = handoff(state)
    wanted = {step for field, step in MISSING_FROM.items() if not values[field]}
    return [step for step in ("signin", "authorize", "vault") if step in wanted]


def folder_problem(text: str) -> str | None:
    """Why `text` cannot hold the hand-off bundle, or None. Reads the file system (exists? a file?)."""
    folder = text.strip()
    if not folder:
        return "Folder: choose a folder for the hand-off bundle (it is created if missing)."
    if "\0" in folder:
        return "Folder: must not contain a NUL character."
    path = Path(folder).expanduser()
    try:
        if path.exists() and not path.is_dir():
            return f"Folder: {path} is a file, not a folder; choose a folder (it is created if missing)."
        for parent in path.parents:
            if parent.exists():
                if not parent.is_dir():
                    return f"Folder: {parent} is a file, so no folder can be made inside it."
                break
    except OSError as e:  # e.g. a name too long for the file system
        return f"Folder: cannot be used ({e.strerror or e})."
    return None


def problems(state: WizardState) -> list[InputError]:
    values = handoff(state)
    found = [
        InputError(field, "is not recorded yet: finish the earlier steps first")
        for field in ("tenant_id", "key_vault_uri", "key_name", "key_identifier")
        if not values[field]
    ]
    if not state.share.export_dir.strip():
        found.append(InputError("share.export_dir", "Choose a folder for the hand-off bundle."))
    elif problem := folder_problem(state.share.export_dir):
        found.append(InputError("share.export_dir", problem))
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
    values = bundle_values(state)
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
    labels = (("tenant_id", "Tenant ID"), ("key_vault_uri", "Key Vault URI"), ("key_name", "Key Name"))
    missing = [label for key, label in labels if not values[key]]
    results = [
        CheckResult(
            "share.recorded", "Tenant ID, Key Vault URI and Key Name are recorded", "fail" if missing else "pass",
            detail=f"Not recorded: {', '.join(missing)}." if missing
            else f"{values['tenant_id']} · {values['key_vault_uri']} · {values['key_name']}",
            remedy="Finish the earlier steps (Sign in, Steps 1 and 2)." if missing else "",
        )
    ]  # fmt: skip
    if missing:
        return results
    v, sub = state.vault, state.signin.subscription_id
    start = time.perf_counter()
    # Three independent reads (ARM, the vault, Graph), sent together: one round trip of waiting, not three.
    # The key is read before the vault is known to exist; without the vault its answer is moot.
    vault_read, key_read, sp_read = await asyncio.gather(
        vaults.get_vault(conn, sub, v.resource_group, v.name),
        keys.get_key(conn, v.vault_uri, v.key_name),
        graph.find_service_principal(conn, state.authorize.kore_client_id)
        if state.authorize.kore_client_id else _nothing(),
        return_exceptions=True,
    )  # fmt: skip
    try:
        vault = _result(vault_read)
        key = _result(key_read) if vault else None
        sp = _result(sp_read)
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
            detail=sentence(mismatches) if mismatches else "Vault, key and principal agree.",
            remedy="Re-apply Steps 1 and 2 to record the current values, then export again." if mismatches else "",
            ms=ms,
        )
    )  # fmt: skip
    if state.share.exported:
        results.append(_check_bundle(state))
    return results


async def _nothing() -> None:
    return None


def _result(outcome: object) -> Any:
    """A gathered read's value, or its error raised again (anything not an Exception is a value)."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _check_bundle(state: WizardState) -> CheckResult:
    """The bundle on disk still holds today's values (a rotated key or a new vault makes it stale)."""
    import json

    title = "Hand-off bundle is written and current"
    json_path = next((p for p in state.share.exported if p.endswith(".json")), "")
    missing = [p for p in state.share.exported if not Path(p).is_file()]
    if missing or not json_path:
        return CheckResult("share.exported", title, "fail", detail=f"Missing: {', '.join(missing) or 'the JSON file'}.",
                           remedy="Apply this step again to write it.")  # fmt: skip
    try:
        written = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return CheckResult("share.exported", title, "fail", detail=f"{json_path} cannot be read ({e}).",
                           remedy="Apply this step again to rewrite it.")  # fmt: skip
    now = handoff(state)
    stale = [k for k, v in now.items() if v and written.get(k) != v]
    if stale:
        return CheckResult("share.exported", title, "warn", detail=f"{json_path} holds an older {', '.join(stale)}.",
                           remedy="Apply this step again to rewrite the bundle before sending it.")  # fmt: skip
    return CheckResult("share.exported", title, "pass", detail=" and ".join(state.share.exported) + ".")


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=undated_check(check),
    problems=undated_problems(problems),
    requires=needs_vault,
    answers="share",
)
