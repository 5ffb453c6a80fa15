"""Admin console > Proceed: the summary, the final record, and what happens next."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import date, datetime
from pathlib import Path

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.engine.step import Step, needs_console, undated_problems
from byok_tui.errors import ByokError, InputError
from byok_tui.state import WizardState

STEP_ID = "confirm"
TITLE = "Confirm"
PURPOSE = "Review everything that will happen and when, then proceed."
RECORD_NAME = "kore-byok-record.json"
NEXT_STEPS = (
    "Enter the key identifier, tenant ID and enforcement date in Kore's Admin Console > Enterprise Key.",
    "Press Test Configuration there; it runs the same four tests as this wizard.",
    "Select the same apps and bots, then Proceed. Encryption begins on the enforcement date.",
    "After that date, run `byok-tui verify` regularly, and the optional validation below.",
)


def clock() -> datetime:
    """The time Proceed is recorded at (UTC). Tests replace it to freeze the record."""
    from byok_tui import clock as clock_mod

    return clock_mod.now()


def summary(state: WizardState) -> list[tuple[str, str]]:
    """What Kore's console will hold after Proceed, as (label, value) rows in the console's order."""
    from byok_tui.engine import apps

    chosen, total = apps.counts(state)
    ek = state.enterprise_key
    return [
        ("Cloud provider", "Azure"),
        ("Key identifier", ek.key_identifier),
        ("Tenant ID", ek.tenant_id),
        ("Enforcement date", ek.enforcement_date),
        ("Apps and bots", f"{chosen} of {total} encrypted with your key"),
        ("Stay on Kore's default key", str(total - chosen)),
    ]


def timeline(state: WizardState, today: date) -> list[str]:
    """When things happen, in words: from now to the enforcement date, then after it."""
    from byok_tui import validate

    when = state.enterprise_key.enforcement_date or "the enforcement date"
    enforced = validate.parse_date(state.enterprise_key.enforcement_date)
    days = (enforced - today).days if enforced else None
    if days is None:
        until = "Choose the enforcement date on the Enterprise key screen first."
    elif days > 1:
        until = f"Now until {when} (in {days:,} days): every value can still change and be re-tested."
    elif days == 1:
        until = f"Now until {when} (tomorrow): every value can still change and be re-tested."
    elif days == 0:
        until = f"Today, {when}: the last day every value can still change."
    else:
        until = f"{when} has passed ({-days:,} days ago)."
    return [
        f"Proceed: this wizard writes the final record and the hand-off bundle to "
        f"{state.share.export_dir or 'the folder chosen in Step 4'}.",
        until,
        f"From {when}: Kore encrypts the selected apps and bots with your key.",
        "After that: only a key rotation or a change to the app/bot selection is allowed.",
    ]


def record(state: WizardState) -> dict:
    from byok_tui.engine import apps, share

    return {
        "provider": "azure",
        "enterprise_key": dataclasses.asdict(state.enterprise_key),
        "handoff": share.handoff(state),
        "encrypted_apps": [a.id for a in apps.selected(state)],
        "default_key_apps": list(state.apps.deselected),
        "confirmed_at": state.confirm.confirmed_at,
        "session": state.session_id,
    }


def problems(state: WizardState) -> list[InputError]:
    found = []
    for step in ("vault", "enterprise_key", "test", "apps"):
        if state.step(step).checked not in ("pass", "warn"):
            found.append(InputError(step, "must pass its checks before you proceed"))
    if not state.share.export_dir:
        found.append(InputError("share.export_dir", "choose where the final record goes (Step 4)"))
    return found


def _key_names(identifier: str) -> tuple[str, str] | None:
    """(vault name, key name) of a key identifier, lower-cased; None when it does not parse."""
    from byok_tui import validate

    parsed = validate.parse_key_identifier(identifier)
    return (parsed.vault_name, parsed.key_name.lower()) if parsed else None


def lock_problems(state: WizardState, written: dict, today: date) -> list[str]:
    """After the enforcement date: what changed that only a rotation or the selection may change."""
    from byok_tui.engine import enterprise_key

    if not enterprise_key.locked(state, today):
        return []
    was = written.get("enterprise_key") if isinstance(written.get("enterprise_key"), dict) else {}
    now = state.enterprise_key
    found = []
    if str(was.get("tenant_id", "")).lower() != now.tenant_id.lower():
        found.append(f"the tenant ID (was {was.get('tenant_id')!r})")
    if str(was.get("enforcement_date", "")) != now.enforcement_date:
        found.append(f"the enforcement date (was {was.get('enforcement_date')!r})")
    if _key_names(str(was.get("key_identifier", ""))) != _key_names(now.key_identifier):
        found.append(
            f"the key (was {was.get('key_identifier')!r}; a rotation keeps the same vault and key name)"
        )
    return found


def plan(state: WizardState) -> list[Change]:
    folder = state.share.export_dir or "~"
    return [
        Change(
            id="confirm.proceed",
            title=f"Write the final record and the hand-off bundle to {folder}",
            target=str(Path(folder) / RECORD_NAME),
            az="# nothing changes in Azure",
        )
    ]


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    from byok_tui.engine import share
    from byok_tui.kore import bundle

    if change.id != "confirm.proceed":
        raise ByokError(f"Unknown change {change.id!r} for the confirm step")
    now = clock().isoformat(timespec="seconds")
    state = dataclasses.replace(state, confirm=dataclasses.replace(state.confirm, confirmed_at=now))
    folder = Path(state.share.export_dir).expanduser()
    try:
        bundle.write(folder, {**share.handoff(state), "generated_at": now, "session": state.session_id})
        path = folder / RECORD_NAME
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(record(state), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise ByokError(
            "Could not write the final record", detail=str(e), remedy="Choose a writable folder."
        ) from e
    progress(f"Wrote {path}.", 1.0)
    return dataclasses.replace(state, confirm=dataclasses.replace(state.confirm, record_path=str(path)))


async def check(state: WizardState, conn: Connection, *, today: date | None = None) -> list[CheckResult]:
    from byok_tui.engine import enterprise_key

    path = Path(state.confirm.record_path) if state.confirm.record_path else None
    if not path or not path.exists():
        return [CheckResult("confirm.record", "Final record written", "fail", detail="Not written yet.",
                            remedy="Press Proceed.")]  # fmt: skip
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [
            CheckResult(
                "confirm.record", "Final record written", "fail", detail=str(e), remedy="Proceed again."
            )
        ]
    if not isinstance(written, dict):
        return [CheckResult("confirm.record", "Final record written", "fail", detail=f"{path} is not a record.",
                            remedy="Proceed again.")]  # fmt: skip
    same = written == record(state)
    results = [
        CheckResult(
            "confirm.record", "Final record matches the session", "pass" if same else "warn",
            detail=str(path) if same else "The selection or key changed since the record was written.",
            remedy="" if same else "Proceed again to rewrite it.",
        )
    ]  # fmt: skip
    today = today or enterprise_key.today_utc()
    if enterprise_key.locked(state, today):
        changed = lock_problems(state, written, today)
        results.append(CheckResult(
            "confirm.lock", "Only rotation or selection changed after enforcement", "fail" if changed else "pass",
            detail=("Changed since enforcement: " + "; ".join(changed) + ".") if changed
            else f"Enforcement started on {state.enterprise_key.enforcement_date}; the key and tenant are unchanged.",
            remedy="Put the recorded values back, or contact Kore.ai support to re-key." if changed else "",
        ))  # fmt: skip
    return results


async def _check_on(state: WizardState, conn: Connection, now: datetime) -> list[CheckResult]:
    return await check(state, conn, today=now.date())


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=_check_on,
    problems=undated_problems(problems),
    requires=needs_console,
)
