"""Admin console > apps and bots: every app is encrypted with the customer's key unless deselected."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.errors import ByokError, InputError
from byok_tui.secret import Secret
from byok_tui.state import AppRef, WizardState

STEP_ID = "apps"
TITLE = "Apps and bots"
PURPOSE = "Choose which apps and bots your key encrypts; those you deselect stay on Kore.ai's default key."
SOURCES = ("kore-api", "file", "sandbox")
SECRET_ENV = "KORE_API_CLIENT_SECRET"


async def load(
    state: WizardState, conn: Connection, *, host: str = "", secret: Secret | None = None,
    progress: Progress | None = None,
) -> list[AppRef]:  # fmt: skip
    """The apps and bots from the chosen source. The API secret is used once and never kept."""
    from byok_tui.kore import bots

    source = state.apps.source
    if source == "file":
        return bots.load_file(state.apps.file)
    if source == "sandbox":
        if not conn.kore_api_client:
            raise InputError("apps.source", "the sandbox source needs `byok-tui demo` or a --sandbox-state")
        client_id, sandbox_secret = conn.kore_api_client
        return await bots.list_from_api(conn, host, client_id, sandbox_secret, progress)
    if source == "kore-api":
        if not state.apps.kore_api_client_id:
            raise InputError("apps.kore_api_client_id", "is required to call Kore's API")
        if not secret:
            raise InputError(SECRET_ENV, "is not set: export it, or enter the secret when asked")
        return await bots.list_from_api(conn, host, state.apps.kore_api_client_id, secret, progress)
    raise InputError("apps.source", f"choose one of: {', '.join(SOURCES)}")


def with_apps(state: WizardState, apps: list[AppRef]) -> WizardState:
    """Record a freshly loaded list; keep earlier deselections that still name an app."""
    ids = {a.id for a in apps}
    kept = tuple(i for i in state.apps.deselected if i in ids)
    return dataclasses.replace(state, apps=dataclasses.replace(state.apps, apps=tuple(apps), deselected=kept))


def deselect(state: WizardState, ids: Iterable[str]) -> WizardState:
    """Keep these apps on Kore's default key. An id that is not in the list is bad input."""
    known = {a.id for a in state.apps.apps}
    wanted = list(dict.fromkeys(ids))
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise InputError("apps.deselect", f"unknown app id {unknown[0]!r} (not in the loaded list)")
    return dataclasses.replace(state, apps=dataclasses.replace(state.apps, deselected=tuple(wanted)))


def selected(state: WizardState) -> list[AppRef]:
    skip = set(state.apps.deselected)
    return [a for a in state.apps.apps if a.id not in skip]


def counts(state: WizardState) -> tuple[int, int]:
    """(selected, total)."""
    return len(selected(state)), len(state.apps.apps)


def filter_apps(apps: tuple[AppRef, ...] | list[AppRef], text: str) -> list[AppRef]:
    """Apps whose name, purpose, status or id contains every word of `text` (case-insensitive)."""
    words = text.lower().split()
    if not words:
        return list(apps)
    return [a for a in apps if all(w in f"{a.name} {a.purpose} {a.status} {a.id}".lower() for w in words)]


def plan(state: WizardState) -> list[Change]:
    chosen, total = counts(state)
    return [
        Change(
            id="apps.select",
            title=f"Encrypt {chosen} of {total} apps and bots with your key; {total - chosen} stay on Kore's key",
            target="Kore.ai account",
            az="# nothing changes in Azure: this is the selection for Kore's admin console",
        )
    ]


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    if change.id != "apps.select":
        raise ByokError(f"Unknown change {change.id!r} for the apps step")
    progress("Recorded the selection.", 1.0)
    return state


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    chosen, total = counts(state)
    if not total:
        return [CheckResult("apps.loaded", "Apps and bots are listed", "fail", detail="No apps loaded.",
                            remedy="Load them from Kore's API or an exported file.")]  # fmt: skip
    return [
        CheckResult("apps.loaded", "Apps and bots are listed", "pass", detail=f"{total} listed."),
        CheckResult(
            "apps.selection", "Selection made", "pass" if chosen else "warn",
            detail=f"{chosen} encrypted with your key, {total - chosen} on Kore's default key.",
            remedy="" if chosen else "Nothing is selected: your key would encrypt no app.",
        ),
    ]  # fmt: skip
