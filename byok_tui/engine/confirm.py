"""Admin console > Proceed: the summary, the final record, and what happens next."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
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


def summary(state: WizardState) -> list[tuple[str, str]]:
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
    now = datetime.now(UTC).isoformat(timespec="seconds")
    state = dataclasses.replace(state, confirm=dataclasses.replace(state.confirm, confirmed_at=now))
    folder = Path(state.share.export_dir).expanduser()
    try:
        bundle.write(folder, {**share.handoff(state), "generated_at": now, "session": state.session_id})
        path = folder / RECORD_NAME
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(record(state), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise ByokError("Could not write the final record", detail=str(e), remedy="Choose a writable folder.") from e
    progress(f"Wrote {path}.", 1.0)
    return dataclasses.replace(state, confirm=dataclasses.replace(state.confirm, record_path=str(path)))


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    path = Path(state.confirm.record_path) if state.confirm.record_path else None
    if not path or not path.exists():
        return [CheckResult("confirm.record", "Final record written", "fail", detail="Not written yet.",
                            remedy="Press Proceed.")]  # fmt: skip
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [CheckResult("confirm.record", "Final record written", "fail", detail=str(e), remedy="Proceed again.")]
    same = written == record(state)
    return [
        CheckResult(
            "confirm.record", "Final record matches the session", "pass" if same else "warn",
            detail=str(path) if same else "The selection or key changed since the record was written.",
            remedy="" if same else "Proceed again to rewrite it.",
        )
    ]  # fmt: skip
