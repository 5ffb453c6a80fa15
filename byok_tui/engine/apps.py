"""Admin console > apps and bots: every app is encrypted with the customer's key unless deselected."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from byok_tui.connection import Connection
from byok_tui.engine.model import Change, CheckResult, Progress
from byok_tui.engine.step import Step, undated_check
from byok_tui.errors import ByokError, InputError
from byok_tui.secret import Secret
from byok_tui.state import AppRef, StepRecord, WizardState

STEP_ID = "apps"
TITLE = "Apps and bots"
PURPOSE = "Choose which apps and bots your key encrypts; those you deselect stay on Kore.ai's default key."
SOURCES = ("kore-api", "file", "sandbox")
SECRET_ENV = "KORE_API_CLIENT_SECRET"
FILE_SUFFIXES = (".json", ".csv")
SANDBOX_KORE_HOST = "bots.kore.ai.sandbox"
"""The sandbox's Kore host, used only on a sandbox connection when no profile says otherwise."""
DEFAULT_KORE_HOST = "platform.kore.ai"
"""Kore's cloud, by the name its docs give as the "Environment URL" today (https://platform.kore.ai); the
profile's default. `bots.kore.ai`, the older name, serves the same API."""
PUBLIC_KORE_HOSTS = (DEFAULT_KORE_HOST, "bots.kore.ai")
SHOWN_NAMES = 12
"""How many names of apps kept on Kore's default key a plan or summary lists before "and N more"."""


def kore_host(conn: Connection, profile: Any | None = None, chosen: str = "") -> str:
    """Where Kore's public API lives: the host chosen in the answers or on the apps screen, else the
    profile's, else Kore's cloud. Pasted Environment URLs (`https://platform.kore.ai/`) are reduced to the host.

    A sandbox connection serves only the sandbox's own host, so there Kore's public host means the sandbox's.
    """
    from byok_tui.validate import normalize_kore_host

    host = normalize_kore_host(chosen or getattr(profile, "kore_host", "") or DEFAULT_KORE_HOST)
    if conn.is_sandbox and host in PUBLIC_KORE_HOSTS:
        return SANDBOX_KORE_HOST
    return host


def host_note(conn: Connection, profile: Any | None = None, chosen: str = "") -> str:
    """One line for the screen: which Kore host the list comes from, and why that one."""
    host = kore_host(conn, profile, chosen)
    if chosen.strip():
        why = "as entered"
    elif getattr(profile, "kore_host", "") and getattr(profile, "kore_host", "") != DEFAULT_KORE_HOST:
        why = "from the profile"
    elif conn.is_sandbox:
        why = "the sandbox's Kore"
    else:
        why = "Kore's cloud, the default; set kore_host in the profile for another environment"
    return f"Kore Environment URL: https://{host} ({why})"


def env_secret() -> Secret | None:
    """The Kore API client secret from $KORE_API_CLIENT_SECRET, or None when it is not set."""
    value = os.environ.get(SECRET_ENV, "")
    return Secret(value) if value else None


def client_id_problem(text: str) -> str | None:
    """The rule a Kore admin app's client id breaks ("Client ID: ..."), or None when it is usable."""
    value = text.strip()
    if not value:
        return "Client ID: is required (Admin Console > API Scopes > your app's Client ID)"
    if any(c.isspace() for c in value):
        return "Client ID: must not contain spaces"
    if len(value) > 128:
        return f"Client ID: must be at most 128 characters (this one has {len(value)})"
    if not value.isprintable() or not value.isascii():
        return "Client ID: must be plain ASCII letters, digits and dashes, as the Admin Console shows it"
    return None


def file_problem(text: str) -> str | None:
    """The rule an export file path breaks ("File: ..."), or None when the file can be read."""
    value = text.strip()
    if not value:
        return "File: is required (a JSON or CSV export of your apps and bots)"
    path = Path(value).expanduser()
    if path.is_dir():
        return f"File: {path} is a folder; name the export file in it"
    if path.suffix.lower() not in FILE_SUFFIXES:
        return f"File: must end in .json or .csv (this one has {repr(path.suffix) if path.suffix else 'no extension'})"
    if not path.exists():
        return f"File: {path} does not exist"
    if not os.access(path, os.R_OK):
        return f"File: {path} cannot be read (permission denied)"
    return None


async def load(
    state: WizardState, conn: Connection, *, host: str = "", secret: Secret | None = None,
    progress: Progress | None = None,
) -> list[AppRef]:  # fmt: skip
    """The apps and bots from the chosen source. The API secret is used once and never kept."""
    from byok_tui.kore import bots

    source = state.apps.source
    if source == "file":
        if problem := file_problem(state.apps.file):
            raise InputError("apps.file", problem.removeprefix("File: "))
        found = bots.load_file(state.apps.file)
        if progress:
            progress(f"Read {len(found)} apps and bots from {Path(state.apps.file).name}.", 1.0)
        return found
    if source == "sandbox":
        if not conn.kore_api_client:
            raise InputError("apps.source", "the sandbox source needs `byok-tui demo` or a --sandbox-state")
        client_id, sandbox_secret = conn.kore_api_client
        return await bots.list_from_api(conn, host or kore_host(conn, None, state.apps.kore_host), client_id,
                                        sandbox_secret, progress)  # fmt: skip
    if source == "kore-api":
        if not state.apps.kore_api_client_id:
            raise InputError("apps.kore_api_client_id", "is required to call Kore's API")
        if not secret:
            raise InputError(SECRET_ENV, "is not set: export it, or enter the secret when asked")
        return await bots.list_from_api(conn, host or kore_host(conn, None, state.apps.kore_host),
                                        state.apps.kore_api_client_id, secret, progress)  # fmt: skip
    raise InputError("apps.source", f"choose one of: {', '.join(SOURCES)}")


def _recorded(before: WizardState, after: WizardState) -> WizardState:
    """`after`, with the step no longer applied when the list or the selection changed."""
    old, new = before.apps, after.apps
    if old.apps == new.apps and set(old.deselected) == set(new.deselected):
        return after
    return after.with_step(STEP_ID, StepRecord())


def with_apps(state: WizardState, apps: list[AppRef]) -> WizardState:
    """Record a freshly loaded list; keep earlier deselections that still name an app."""
    ids = {a.id for a in apps}
    kept = tuple(i for i in state.apps.deselected if i in ids)
    new = dataclasses.replace(state, apps=dataclasses.replace(state.apps, apps=tuple(apps), deselected=kept))
    return _recorded(state, new)


def deselect(state: WizardState, ids: Iterable[str]) -> WizardState:
    """Keep these apps on Kore's default key (all others are encrypted). An unknown id is bad input.

    A selection that differs from the recorded one makes the step "not applied" again.
    """
    known = {a.id for a in state.apps.apps}
    wanted = list(dict.fromkeys(ids))
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise InputError("apps.deselect", f"unknown app id {unknown[0]!r} (not in the loaded list)")
    new = dataclasses.replace(state, apps=dataclasses.replace(state.apps, deselected=tuple(wanted)))
    return _recorded(state, new)


def selected(state: WizardState) -> list[AppRef]:
    skip = set(state.apps.deselected)
    return [a for a in state.apps.apps if a.id not in skip]


def on_default_key(state: WizardState) -> list[AppRef]:
    """The apps and bots that stay on Kore's default key, in list order."""
    skip = set(state.apps.deselected)
    return [a for a in state.apps.apps if a.id in skip]


def names(apps: list[AppRef], limit: int = SHOWN_NAMES) -> str:
    """ "A, B, C and 4 more": names for one line of a plan or summary; "none" for an empty list."""
    if not apps:
        return "none"
    shown = ", ".join(a.name for a in apps[:limit])
    return shown if len(apps) <= limit else f"{shown} and {len(apps) - limit} more"


def counts(state: WizardState) -> tuple[int, int]:
    """(selected, total)."""
    return len(selected(state)), len(state.apps.apps)


ID_WORD_MIN = 6
"""A word searches the ids too once it is this long: shorter ones ("9", "eu") would match inside most ids."""


def filter_apps(apps: tuple[AppRef, ...] | list[AppRef], text: str) -> list[AppRef]:
    """Apps whose name, purpose or status contains every word of `text` (case-insensitive); a word of
    ID_WORD_MIN characters or more may also match inside the id (a pasted id finds its app).

    A pass per word over what is left: about 1-3 ms for 5,000 apps, so a grid can filter on every
    keystroke without a debounce.
    """
    found = list(apps)
    for word in text.lower().split():  # each word narrows what the words before it found
        if len(word) >= ID_WORD_MIN:
            found = [a for a in found if word in f"{a.name}\n{a.purpose}\n{a.status}\n{a.id}".lower()]
        else:
            found = [a for a in found if word in f"{a.name}\n{a.purpose}\n{a.status}".lower()]
    return found


def plan(state: WizardState) -> list[Change]:
    chosen, total = counts(state)
    kept = on_default_key(state)
    return [
        Change(
            id="apps.select",
            title=f"Encrypt {chosen:,} of {total:,} apps and bots with your key; {total - chosen:,} stay on Kore's key",
            target="Kore.ai account",
            az="# nothing changes in Azure: this is the selection for Kore's admin console",
            detail=f"Stay on Kore's default key: {names(kept)}." if kept else "",
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
        CheckResult("apps.loaded", "Apps and bots are listed", "pass", detail=f"{total:,} listed."),
        CheckResult(
            "apps.selection", "Selection made", "pass" if chosen else "warn",
            detail=f"{chosen:,} encrypted with your key, {total - chosen:,} on Kore's default key.",
            remedy="" if chosen else "Nothing is selected: your key would encrypt no app.",
        ),
    ]  # fmt: skip


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    apply=apply,
    check=undated_check(check),
    answers="apps",
)
