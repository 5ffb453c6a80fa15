"""Admin console > Enterprise Key > Create Key: provider, key identifier, tenant id, enforcement date.

Until the enforcement date everything may change and be re-tested; after it, only key rotation and the
app/bot selection may (the seed's rule). `today` is always passed in, so tests control the clock.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from byok_tui.connection import Connection
from byok_tui.engine import revision
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.engine.step import Step, needs_vault
from byok_tui.errors import ByokError, InputError
from byok_tui.state import EnterpriseKeyState, WizardState

STEP_ID = "enterprise_key"
TITLE = "Enterprise key"
PURPOSE = (
    "The values to enter in Kore's Admin Console > Enterprise Key > Create Key, and when encryption starts."
)

QUICK_DATES: tuple[tuple[str, int], ...] = (("Today", 0), ("+7 days", 7), ("+30 days", 30))
"""The enforcement-date shortcuts: (label, days from today)."""


def today_utc() -> date:
    from byok_tui import clock

    return clock.today()


def quick_date(today: date, days: int) -> str:
    """`today` plus `days`, as the ISO text the enforcement-date field takes."""
    return (today + timedelta(days=days)).isoformat()


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


def with_answers(current: WizardState, proposed: WizardState) -> WizardState:
    """`proposed` made consistent: when the enterprise key's values changed, this step starts over
    (`revision.revised`) and Test Configuration must run again (it tested the old values)."""
    fields = [f.name for f in dataclasses.fields(EnterpriseKeyState)]
    state, changed = revision.revised(current, proposed, STEP_ID, "enterprise_key", fields)
    return revision.unchecked(state, "test") if changed else state


def locked(state: WizardState, today: date) -> bool:
    """True after the enforcement date: only rotation and the app selection may change then."""
    from byok_tui import validate

    enforced = validate.parse_date(state.enterprise_key.enforcement_date)
    return bool(enforced and state.confirm.confirmed_at and today > enforced)


def lock_reason(state: WizardState, today: date) -> str:
    """Why the values can no longer change, in words; "" while they still can."""
    if not locked(state, today):
        return ""
    return (
        f"Encryption with your key started on {state.enterprise_key.enforcement_date} (you pressed Proceed on "
        f"{state.confirm.confirmed_at[:10]}). From then on Kore allows only a key rotation or a change to the "
        "app/bot selection, so these values are read-only."
    )


def rotatable(state: WizardState) -> bool:
    """A rotation makes sense once the enterprise key is recorded (or Proceed was pressed)."""
    return bool(state.vault.vault_uri and state.vault.key_name) and bool(
        state.step(STEP_ID).applied or state.confirm.confirmed_at
    )


def identifier_note(identifier: str) -> str:
    """Which key version Kore will use, in words."""
    from byok_tui import validate

    parsed = validate.parse_key_identifier(identifier)
    if parsed is None:
        return ""
    if parsed.version:
        return "Kore will use exactly this version; after a rotation, update the identifier."
    return "No version: Kore always uses the key's latest version, so a rotation needs no update."


def toggle_version(identifier: str, recorded_kid: str) -> str | None:
    """The other form of `identifier`: versionless <-> versioned (with the version recorded in Step 2).

    None when there is no other form: the identifier does not parse, or it is versionless and Step 2
    recorded no version of that same key.
    """
    from byok_tui import validate

    parsed = validate.parse_key_identifier(identifier)
    if parsed is None:
        return None
    if parsed.version:
        return parsed.versionless_id
    recorded = validate.parse_key_identifier(recorded_kid)
    if (
        recorded is None
        or not recorded.version
        or recorded.versionless_id.lower() != parsed.versionless_id.lower()
    ):
        return None
    return f"{parsed.versionless_id}/{recorded.version}"


def identifier_problem(state: WizardState, identifier: str) -> str | None:
    """What is wrong with `identifier` for this session: its form (any cloud's vault suffix, with or
    without a version), then whether it names the vault and key recorded in Step 2."""
    from byok_tui import validate

    if message := validate.key_identifier(identifier):
        return message
    parsed = validate.parse_key_identifier(identifier)
    v = state.vault
    if not (parsed and v.vault_uri and parsed.vault_uri.rstrip("/").lower() == v.vault_uri.rstrip("/").lower()
            and parsed.key_name.lower() == v.key_name.lower()):  # fmt: skip
        return (f"Key identifier must name the key recorded in Step 2 ({v.key_name or 'no key yet'} "
                f"in {v.vault_uri or 'no vault yet'}).")  # fmt: skip
    return None


def tenant_problem(state: WizardState, tenant_id: str) -> str | None:
    """The tenant id must be a GUID, and the tenant that holds the vault (Kore asks it for tokens)."""
    from byok_tui import validate

    if message := validate.tenant_id(tenant_id):
        return message
    if state.signin.tenant_id and tenant_id.strip().lower() != state.signin.tenant_id.lower():
        return (f"Tenant ID must be the tenant that holds the vault ({state.signin.tenant_id}): "
                "Kore asks that tenant for its tokens.")  # fmt: skip
    return None


def problems(state: WizardState, today: date | None = None) -> list[InputError]:
    from byok_tui import validate

    today = today or today_utc()
    ek, found = state.enterprise_key, []
    if ek.provider != "azure":
        found.append(InputError("enterprise_key.provider", "Only Azure is supported."))
    if message := identifier_problem(state, ek.key_identifier):
        found.append(InputError("enterprise_key.key_identifier", message))
    if message := tenant_problem(state, ek.tenant_id):
        found.append(InputError("enterprise_key.tenant_id", message))
    if not locked(state, today) and (message := validate.enforcement_date(ek.enforcement_date, today)):
        found.append(InputError("enterprise_key.enforcement_date", message))
    return found


def plan(state: WizardState) -> list[Change]:
    ek = state.enterprise_key
    return [
        Change(
            id="enterprise_key.record",
            title=f"Record the enterprise key for Kore's console: Azure, encryption from {ek.enforcement_date}",
            target=ek.key_identifier,
            az="# nothing changes in Azure: these are the values for Admin Console > Enterprise Key",
            detail=f"Tenant ID {ek.tenant_id}. {identifier_note(ek.key_identifier)}",
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
        # The latest version first: when the pin names it (the usual case) one read proves both facts.
        latest = await keys.get_key(conn, parsed.vault_uri, parsed.key_name)
        key = latest
        if latest is not None and parsed.version and latest.version != parsed.version:
            key = await keys.get_key(conn, parsed.vault_uri, parsed.key_name, parsed.version)
    except ByokError as exc:
        return [
            *results,
            CheckResult(
                "enterprise_key.key",
                "The identified key exists",
                "fail",
                detail=exc.detail or exc.title,
                remedy=exc.remedy,
                request_id=exc.request_id,
            ),
        ]
    if key is None:
        return [*results, CheckResult("enterprise_key.key", "The identified key exists", "fail",
                                      detail=f"No key at {ek.key_identifier}.",
                                      remedy="Use the identifier recorded in Step 2.")]  # fmt: skip
    if not key.enabled:
        results.append(CheckResult("enterprise_key.key", "The identified key exists and is enabled", "fail",
                                   detail=f"{key.kid} is disabled: Kore could neither wrap nor unwrap with it.",
                                   remedy=f"Enable the key (az keyvault key set-attributes --id {key.kid} --enabled true) "
                                          "or rotate to a new version.", request_id=key.request_id))  # fmt: skip
    else:
        results.append(CheckResult("enterprise_key.key", "The identified key exists and is enabled", "pass",
                                   detail=key.kid, request_id=key.request_id))  # fmt: skip
    if latest is not None and latest.kid != key.kid:
        results.append(CheckResult(
            "enterprise_key.latest", "The identifier names the latest version", "warn",
            detail=f"Version {key.version} is pinned, but the latest is {latest.version}.",
            remedy="Use the latest version (or the versionless identifier) unless Kore must stay on this one.",
            request_id=latest.request_id,
        ))  # fmt: skip
    if key.expires_on and enforced and datetime.fromisoformat(key.expires_on).date() <= enforced:
        results.append(CheckResult(
            "enterprise_key.expiry", "The key outlives the enforcement date", "warn",
            detail=f"The key expires on {key.expires_on[:10]}, before encryption starts on {enforced}.",
            remedy="Extend the key's expiry or rotate to a version that expires later.",
        ))  # fmt: skip
    if locked(state, today):
        results.append(
            CheckResult(
                "enterprise_key.locked",
                "Enforcement has started",
                "pass",
                detail=f"Since {enforced}: only key rotation and the app selection may change.",
            )
        )
    return results


def _problems_on(state: WizardState, now: datetime) -> list[InputError]:
    return problems(state, now.date())


async def _check_on(state: WizardState, conn: Connection, now: datetime) -> list[CheckResult]:
    return await check(state, conn, today=now.date())


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=_check_on,
    prefill=prefill,
    problems=_problems_on,
    requires=needs_vault,
    answers="enterprise_key",
)
