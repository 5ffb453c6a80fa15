"""Admin console > Enterprise Key > Create Key: provider, key identifier, tenant id, enforcement date.

Until the enforcement date everything may change and be re-tested; after it, only key rotation and the
app/bot selection may (the seed's rule). `today` is always passed in, so tests control the clock.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.errors import ByokError, InputError
from byok_tui.state import WizardState

STEP_ID = "enterprise_key"
TITLE = "Enterprise key"
PURPOSE = "The values to enter in Kore's Admin Console > Enterprise Key > Create Key, and when encryption starts."


def today_utc() -> date:
    return datetime.now(UTC).date()


def prefill(state: WizardState) -> WizardState:
    """Fill empty fields from the earlier steps (the key identifier from Step 2, the tenant id)."""
    ek = state.enterprise_key
    return dataclasses.replace(
        state,
        enterprise_key=dataclasses.replace(
            ek,
            key_identifier=ek.key_identifier or state.vault.key_id,
            tenant_id=ek.tenant_id or state.signin.tenant_id,
        ),
    )


def locked(state: WizardState, today: date) -> bool:
    """True after the enforcement date: only rotation and the app selection may change then."""
    from byok_tui import validate

    enforced = validate.parse_date(state.enterprise_key.enforcement_date)
    return bool(enforced and state.confirm.confirmed_at and today > enforced)


def identifier_note(identifier: str) -> str:
    """Which key version Kore will use, in words."""
    from byok_tui import validate

    parsed = validate.parse_key_identifier(identifier)
    if parsed is None:
        return ""
    if parsed.version:
        return f"Kore will use exactly version {parsed.version}; after a rotation, update the identifier."
    return "No version: Kore will always use the latest version of the key, so rotations need no update."


def problems(state: WizardState, today: date | None = None) -> list[InputError]:
    from byok_tui import validate

    today = today or today_utc()
    ek, found = state.enterprise_key, []
    if ek.provider != "azure":
        found.append(InputError("enterprise_key.provider", "Only Azure is supported."))
    if message := validate.key_identifier(ek.key_identifier):
        found.append(InputError("enterprise_key.key_identifier", message))
    elif not _names_recorded_key(state):
        found.append(InputError("enterprise_key.key_identifier",
                                f"Key identifier must name the key recorded in Step 2 ({state.vault.key_name} "
                                f"in {state.vault.vault_uri or 'the vault'})."))  # fmt: skip
    if message := validate.tenant_id(ek.tenant_id):
        found.append(InputError("enterprise_key.tenant_id", message))
    if not locked(state, today) and (message := validate.enforcement_date(ek.enforcement_date, today)):
        found.append(InputError("enterprise_key.enforcement_date", message))
    return found


def _names_recorded_key(state: WizardState) -> bool:
    from byok_tui import validate

    parsed = validate.parse_key_identifier(state.enterprise_key.key_identifier)
    v = state.vault
    return bool(
        parsed
        and v.vault_uri
        and parsed.vault_uri.rstrip("/").lower() == v.vault_uri.rstrip("/").lower()
        and parsed.key_name.lower() == v.key_name.lower()
    )


def plan(state: WizardState) -> list[Change]:
    ek = state.enterprise_key
    return [
        Change(
            id="enterprise_key.record",
            title=f"Record the enterprise key: Azure, {ek.key_identifier}, tenant {ek.tenant_id}, "
            f"enforced from {ek.enforcement_date}",
            target=ek.key_identifier,
            az="# nothing changes in Azure: these are the values for Admin Console > Enterprise Key",
        )
    ]


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    if change.id != "enterprise_key.record":
        raise ByokError(f"Unknown change {change.id!r} for the enterprise key step")
    progress("Recorded the enterprise key.", 1.0)
    return state


async def check(state: WizardState, conn: Connection, *, today: date | None = None) -> list[CheckResult]:
    from byok_tui import validate
    from byok_tui.azure import keys

    today = today or today_utc()
    ek = state.enterprise_key
    problems_found = problems(state, today)
    results = [
        CheckResult(
            "enterprise_key.values", "Identifier, tenant and date are valid", "fail" if problems_found else "pass",
            detail="; ".join(p.rule for p in problems_found) if problems_found else identifier_note(ek.key_identifier),
            remedy="Correct the fields named." if problems_found else "",
        )
    ]  # fmt: skip
    parsed = validate.parse_key_identifier(ek.key_identifier)
    enforced = validate.parse_date(ek.enforcement_date)
    if parsed is None:
        return results
    try:
        key = await keys.get_key(conn, parsed.vault_uri, parsed.key_name, parsed.version or None)
    except ByokError as exc:
        return [*results, CheckResult("enterprise_key.key", "The identified key exists", "fail",
                                      detail=exc.detail or exc.title, remedy=exc.remedy, request_id=exc.request_id)]
    if key is None:
        return [*results, CheckResult("enterprise_key.key", "The identified key exists", "fail",
                                      detail=f"No key at {ek.key_identifier}.",
                                      remedy="Use the identifier recorded in Step 2.")]  # fmt: skip
    results.append(CheckResult("enterprise_key.key", "The identified key exists", "pass",
                               detail=key.kid, request_id=key.request_id))  # fmt: skip
    if key.expires_on and enforced and datetime.fromisoformat(key.expires_on).date() <= enforced:
        results.append(CheckResult(
            "enterprise_key.expiry", "The key outlives the enforcement date", "warn",
            detail=f"The key expires on {key.expires_on[:10]}, before encryption starts on {enforced}.",
            remedy="Extend the key's expiry or rotate to a version that expires later.",
        ))  # fmt: skip
    if locked(state, today):
        results.append(CheckResult("enterprise_key.locked", "Enforcement has started", "pass",
                                   detail=f"Since {enforced}: only key rotation and the app selection may change."))
    return results
