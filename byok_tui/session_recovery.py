"""A session file that cannot be used: say which file, what is wrong and the way on; recover what can be.

`open_session` is what every command that reads a session calls. A damaged, foreign or newer file becomes
a `SessionError` (exit 2) whose text names the file, the problem and the next step; `.problem` carries the
facts a screen shows (the TUI's damaged-session page renders the same). `recover` then keeps the damaged
file under a new name (it is never overwritten), restores the last good save kept beside the session, and
adds what the journal proves was made since (the resources' ids, the changes applied), so a resume adopts
those instead of creating anything twice.

Plain data and files only: no Textual, no SDK.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byok_tui.errors import SessionError
from byok_tui.session import Session, parse_session
from byok_tui.state import STEP_IDS, StateError, WizardState

_ARM_GROUP = re.compile(r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)$", re.IGNORECASE)
_ARM_VAULT = re.compile(
    r"^(/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.KeyVault/vaults/([^/]+))",
    re.IGNORECASE,
)
_KEY = re.compile(r"^(https://[^/]+/)keys/([^/]+)$")


@dataclass(frozen=True)
class Backup:
    path: Path
    state: WizardState
    saved_at: str
    """When its newest step record was written (ISO), "" when unknown."""


@dataclass(frozen=True)
class SessionProblem:
    """What is wrong with a session file, and what there is to recover it from."""

    path: Path
    kind: str
    """"damaged", "foreign", "newer" or "unreadable" (see StateError.kind)."""
    what: str
    """The problem in a sentence, without the path."""
    backup: Backup | None = None
    journal_changes: int = 0
    """Changes the journal records as applied since the backup (or at all, without one)."""
    interrupted: tuple[str, ...] = ()
    """Changes the journal records as started and never finished."""

    @property
    def recoverable(self) -> bool:
        """Damaged or foreign files can be set aside and rebuilt; a newer or unreadable file must not be touched."""
        return self.kind in ("damaged", "foreign")

    def title(self) -> str:
        return f"{self.path}: {self.what}"

    def cause(self) -> str:
        if self.kind == "newer":
            return "This session was saved by a newer byok-tui. It was not changed."
        if self.kind == "unreadable":
            return "The file cannot be read. It was not changed."
        if self.kind == "foreign":
            return "The file is not a byok-tui session (another tool's file, or the wrong path?). It was not changed."
        return "The session file is damaged (an interrupted copy or a full disk?). It was not changed."

    def sources(self) -> str:
        """What recovery would start from, in a sentence."""
        parts: list[str] = []
        if self.backup is not None:
            when = f", saved {_readable(self.backup.saved_at)}" if self.backup.saved_at else ""
            parts.append(f"the last good save ({self.backup.path.name}{when}, "
                         f"resuming at {self.backup.state.resume_point()})")  # fmt: skip
        if self.journal_changes:
            parts.append(f"{self.journal_changes} change(s) the journal proves were made")
        return " and ".join(parts) if parts else "nothing (no earlier save and no journal): a new session"

    def remedy(self, command: str = "") -> str:
        if self.kind == "newer":
            return "Use the newer byok-tui that wrote it (or upgrade this one: pip install -U byok-tui)."
        if self.kind == "unreadable":
            return "Fix the file's permissions (or choose another --session), then run the command again."
        how = command or f"byok-tui recover --session {self.path}"
        return (f"Run `{how}`: it keeps this file as {self.path.name}.damaged-<time>, then restores from "
                f"{self.sources()}. Then run your command again: it adopts what exists and creates nothing twice.")  # fmt: skip

    def error(self) -> SessionError:
        exc = SessionError(self.title(), detail=self.cause(), remedy=self.remedy())
        exc.problem = self  # type: ignore[attr-defined]
        return exc


def _readable(stamp: str) -> str:
    """'2025-01-15T09:30:00+00:00' -> '2025-01-15 09:30 UTC' (the text itself if it is not such a stamp)."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return stamp


def open_session(session: Session) -> WizardState | None:
    """The session's state (None when there is no file); SessionError (exit 2) naming the way on otherwise."""
    try:
        return session.load()
    except StateError as exc:
        raise diagnose(session, exc).error() from exc


def diagnose(session: Session, exc: StateError) -> SessionProblem:
    what = str(exc)
    prefix = f"{session.path}: "
    what = what[len(prefix) :] if what.startswith(prefix) else what
    kind = getattr(exc, "kind", "damaged")
    backup = last_good_save(session)
    entries = _this_sessions(session.read_journal() if session.journal_path.exists() else [], backup)
    since = _since(entries, backup)
    applied = [e for e in since if e.get("outcome") == "applied" and e.get("action") != "check"]
    return SessionProblem(session.path, kind, what, backup, len(applied), tuple(_interrupted(entries)))


def last_good_save(session: Session) -> Backup | None:
    """The newest backup beside the session that reads as a session of this byok-tui."""
    for path in session.backup_paths:
        try:
            state = parse_session(path.read_bytes(), str(path))
        except (OSError, StateError):
            continue
        stamps = [r.updated_at for r in state.steps.values() if r.updated_at]
        return Backup(path, state, max(stamps) if stamps else "")
    return None


def recover(session: Session, *, use_backup: bool = True) -> tuple[WizardState, list[str]]:
    """Set the unusable file aside, rebuild the state and save it; returns it with one line per thing done.

    Rebuilt from the last good save (unless `use_backup` is False, or there is none) plus what the journal
    proves was made since. Refuses (SessionError) a newer or unreadable file: those are never touched.
    """
    try:
        current = session.load()
    except StateError as exc:
        problem = diagnose(session, exc)
        if not problem.recoverable:
            raise problem.error() from exc
    else:
        if current is not None:
            return current, [f"{session.path} is a whole session: nothing to recover."]
    notes: list[str] = []
    kept = session.keep_aside()
    if kept is not None:
        notes.append(f"Kept the unusable file as {kept}.")
    backup = last_good_save(session) if use_backup else None
    if backup is not None:
        state = backup.state
        notes.append(f"Restored the last good save from {backup.path.name}.")
    else:
        state = WizardState()
    entries = _this_sessions(session.read_journal(), backup)
    state, proved = rebuild_from_journal(state, _since(entries, backup))
    if not state.session_id and entries:  # the journal's lines carry the id of the session they belong to
        state = dataclasses.replace(state, session_id=str(entries[-1]["session"]))
    if not state.session_id:
        from byok_tui.session import new_session_id

        state = dataclasses.replace(state, session_id=new_session_id())
    notes += proved
    for change in _interrupted(entries):
        notes.append(f"“{change}” was interrupted: the next run adopts whatever it made.")
    session.save(state)
    notes.append(f"Saved the recovered session to {session.path}; it resumes at {state.resume_point()}.")
    return state, notes


# --- the journal ----------------------------------------------------------------------------------


def _this_sessions(entries: list[dict[str, Any]], backup: Backup | None) -> list[dict[str, Any]]:
    """The entries of the session being recovered: the backup's id, else the newest id in the journal."""
    wanted = backup.state.session_id if backup else next(
        (e.get("session") for e in reversed(entries) if e.get("session")), ""
    )  # fmt: skip
    return [e for e in entries if isinstance(e.get("session"), str) and e.get("session") == wanted]


def _since(entries: list[dict[str, Any]], backup: Backup | None) -> list[dict[str, Any]]:
    """Entries newer than the backup (all of them without one). Journal times are UTC 'Z' stamps."""
    if backup is None or not backup.saved_at:
        return entries
    cut = backup.saved_at.replace("+00:00", "Z")[:19]
    return [e for e in entries if str(e.get("time", ""))[:19] >= cut]


def _interrupted(entries: list[dict[str, Any]]) -> list[str]:
    """Changes started and never finished (applied or failed), in order."""
    open_: dict[tuple[str, str], str] = {}
    for e in entries:
        key = (str(e.get("step", "")), str(e.get("action", "")))
        if e.get("outcome") == "started":
            open_[key] = f"{key[0]}: {key[1]}" + (f" on {e.get('target')}" if e.get("target") else "")
        elif e.get("outcome") in ("applied", "failed"):
            open_.pop(key, None)
    return list(open_.values())


def rebuild_from_journal(state: WizardState, entries: list[dict[str, Any]]) -> tuple[WizardState, list[str]]:
    """`state` plus what the journal's "applied" entries prove: the changes applied per step, and the ids of
    the resources they made, where the state does not hold them yet. Nothing the state holds is overwritten."""
    notes: list[str] = []
    for e in entries:
        step, action, target = str(e.get("step", "")), str(e.get("action", "")), str(e.get("target", ""))
        if e.get("outcome") != "applied" or step not in STEP_IDS or action == "check":
            continue
        record = state.step(step)
        if action not in record.applied_changes:
            state = state.with_step(step, dataclasses.replace(
                record, applied_changes=(*record.applied_changes, action), updated_at=str(e.get("time", "")),
            ))  # fmt: skip
            notes.append(f"The journal proves {step}: {action}" + (f" ({target})" if target else "") + ".")
        state = _adopt_ids(state, action, target)
    return state, notes


def _fill(record: Any, **values: Any) -> Any:
    """`record` with each value set where the record's field is still empty."""
    empty = {k: v for k, v in values.items() if v and not getattr(record, k)}
    return dataclasses.replace(record, **empty) if empty else record


def _adopt_ids(state: WizardState, action: str, target: str) -> WizardState:
    if m := _ARM_GROUP.match(target):
        return dataclasses.replace(state, signin=_fill(state.signin, subscription_id=m[1]),
                                   vault=_fill(state.vault, resource_group=m[2]))  # fmt: skip
    if m := _ARM_VAULT.match(target):
        state = dataclasses.replace(state, signin=_fill(state.signin, subscription_id=m[2]),
                                    vault=_fill(state.vault, vault_id=m[1], resource_group=m[3], name=m[4]))  # fmt: skip
        if action in ("access.role", "access.policy"):
            mode = "rbac" if action == "access.role" else "policy"
            state = dataclasses.replace(state, access=_fill(state.access, mode=mode, scope=m[1]))
        if action == "network.firewall":
            state = dataclasses.replace(state, network=_fill(state.network, mode="firewall"))
        if action == "network.approve":
            state = dataclasses.replace(state, network=_fill(state.network, mode="private-endpoint"))
        return state
    if action == "vault.key" and (m := _KEY.match(target)):
        return dataclasses.replace(state, vault=_fill(state.vault, vault_uri=m[1], key_name=m[2]))
    if action == "share.export":
        return dataclasses.replace(state, share=_fill(state.share, export_dir=target))
    if action == "enterprise_key.record":
        return dataclasses.replace(state, enterprise_key=_fill(state.enterprise_key, key_identifier=target))
    return state


def interrupted_changes(session: Session, state: WizardState) -> list[str]:
    """Changes of this session the journal shows as started and never finished (the process was stopped
    mid-change): the next apply adopts what they made."""
    if not state.session_id or not session.journal_path.exists():
        return []
    entries = [e for e in session.read_journal() if e.get("session") == state.session_id]
    return _interrupted(entries)
