"""The session file (one WizardState as JSON) and its append-only audit journal.

`Session.save` replaces the file atomically after every apply, so a crash, a dropped SSH
connection or a full disk leaves either the old state or the new one, never half of each.
`Session.journal` appends one JSON line per Azure change to `<session file>.journal`; it is an
audit trail a customer may hand to support, so it never rewrites a line and refuses anything
that looks like a credential. Both files are private to the user (0600, directory 0700).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from byok_tui.state import StateError, WizardState

_POSIX = os.name == "posix"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)

# A credential in the journal would be readable by everyone the file is shared with, for as long
# as the file exists, and an append-only file cannot be cleaned afterwards. So `journal()` refuses
# loudly (a bug in the caller shows up in tests) instead of redacting quietly. Patterns:
#   - a JWT (every Entra ID access or ID token): base64url of '{"' is 'eyJ', then a dot;
#   - an HTTP bearer credential: "Bearer " and a b64token (RFC 6750) of 20+ characters, long
#     enough that challenge text such as 'Bearer authorization="https://…"' does not match;
#   - an Entra ID client secret (the "xxx8Q~…" shape that secret scanners look for).
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[A-Za-z0-9_-]+\."), "a JWT"),
    (
        re.compile(r"\bBearer\s+[A-Za-z0-9\-._~+/]{20,}=*(?![A-Za-z0-9\-._~+/=\"])", re.IGNORECASE),
        "a bearer token",
    ),
    (
        re.compile(r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}"),
        "a client secret",
    ),
)


def new_session_id() -> str:
    """A short random id for a new onboarding session, e.g. "s-1f3a9c0b"."""
    import secrets  # on first use: it pulls in hmac, ~2 ms of the demo's start-up

    return "s-" + secrets.token_hex(4)


def default_session_path() -> Path:
    """$BYOK_TUI_SESSION if set, else $XDG_STATE_HOME/byok-tui/session.json (~/.local/state by default)."""
    explicit = os.environ.get("BYOK_TUI_SESSION")
    if explicit:
        return Path(explicit).expanduser()
    state_home = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    base = Path(state_home) if state_home and os.path.isabs(state_home) else Path.home() / ".local" / "state"
    return base / "byok-tui" / "session.json"


def _secret_kind(value: str) -> str | None:
    for pattern, kind in _SECRET_PATTERNS:
        if pattern.search(value):
            return kind
    return None


BACKUPS = 2
"""How many earlier saves `save` keeps beside the session: session.json.bak (the last good save before the
current one), then session.json.bak.2."""


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class Session:
    """One session file and its journal.

    `path` holds the JSON of a WizardState; `journal_path` (the same name plus ".journal", e.g.
    session.json.journal) holds one JSON object per line. Several Session objects, even in several
    processes, may append to one journal: each line is a single O_APPEND write.

    `save` keeps the previous good save as `backup_paths[0]` (rotated, 0600) and never overwrites a file it
    cannot read as a session: that one is kept as `session.json.damaged-<time>` first.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.path: Path = Path(path).expanduser()
        self.journal_path: Path = self.path.with_name(self.path.name + ".journal")
        if clock is None:
            from byok_tui import clock as clock_mod

            clock = clock_mod.now
        self._clock = clock
        self._session_id: str | None = None
        self._on_disk: tuple[int, int, int, int] | None = (
            None  # the file as this object last saved or loaded it
        )
        self.kept_aside: Path | None = None
        """Where `save` or `keep_aside` last moved an unreadable session file to (None if it never had to)."""

    @property
    def backup_paths(self) -> tuple[Path, ...]:
        """The earlier saves kept beside the session, newest first."""
        first = self.path.with_name(self.path.name + ".bak")
        return (first, *(self.path.with_name(f"{self.path.name}.bak.{n}") for n in range(2, BACKUPS + 1)))

    def __repr__(self) -> str:
        return f"Session({str(self.path)!r})"

    @property
    def session_id(self) -> str:
        """The id of the state last saved or loaded here (read from the file on first use); "" if none."""
        if self._session_id is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                found = data.get("session_id", "") if isinstance(data, dict) else ""
                self._session_id = found if isinstance(found, str) else ""
            except (OSError, ValueError, RecursionError):
                self._session_id = ""
        return self._session_id

    # --- the state file -----------------------------------------------------------------

    def save(self, state: WizardState) -> None:
        """Replace the session file with `state`, atomically and durably (mode 0600)."""
        data = (state.to_json() + "\n").encode("utf-8")
        directory = self.path.parent
        _make_private_dirs(directory)
        tmp = directory / f".{self.path.name}.{os.urandom(6).hex()}.tmp"
        self._keep_what_is_there()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC | _BINARY, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                if _POSIX:
                    os.fchmod(f.fileno(), 0o600)  # exactly 0600, whatever the umask
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(directory)
        self._session_id = state.session_id
        with contextlib.suppress(OSError):
            self._on_disk = _signature(os.stat(self.path))

    def _keep_what_is_there(self) -> None:
        """Before a save replaces the file: rotate it into the backups if it is a good session, else keep it
        aside under a new name. Never lose either."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        good = self._on_disk == _signature(st) or _reads_as_session(self.path)
        if not good:
            self.keep_aside()
            return
        backups = self.backup_paths
        for older, newer in zip(reversed(backups[1:]), reversed(backups[:-1]), strict=True):
            if newer.exists():
                os.replace(newer, older)
        _link_or_copy(self.path, backups[0])

    def keep_aside(self) -> Path | None:
        """Keep the session file under a new name (session.json.damaged-<UTC time>, 0600), leaving the path free.

        The file itself is linked, not copied, so it stays byte for byte what it was. None if there is no file.
        """
        if not self.path.exists():
            return None
        stamp = self._clock().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        os.replace(self.path, target)
        if _POSIX:
            with contextlib.suppress(OSError):
                os.chmod(target, 0o600)
        _fsync_dir(self.path.parent)
        self.kept_aside = target
        self._on_disk = None
        return target

    def load(self) -> WizardState | None:
        """The saved state; None if there is no session file; StateError if it cannot be used."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StateError(
                f"{self.path}: cannot read the session file ({e.strerror or e})", kind="unreadable"
            ) from e
        state = parse_session(raw, str(self.path))
        self._session_id = state.session_id
        with contextlib.suppress(OSError):
            self._on_disk = _signature(os.stat(self.path))
        return state

    # --- the journal --------------------------------------------------------------------

    def journal(
        self,
        *,
        step: str,
        action: str,
        target: str = "",
        outcome: str,
        request_id: str = "",
        detail: str = "",
    ) -> None:
        """Append one audit line: what was done to which resource, how it went, Azure's request id.

        Raises ValueError, and writes nothing, if any value looks like a token or secret.
        """
        self.append_journal(
            self.journal_line(
                step=step, action=action, target=target, outcome=outcome, request_id=request_id, detail=detail
            )
        )

    def journal_line(
        self,
        *,
        step: str,
        action: str,
        target: str = "",
        outcome: str,
        request_id: str = "",
        detail: str = "",
        session_id: str | None = None,
    ) -> bytes:
        """The journal line `journal()` would append now, stamped now (ValueError if a value looks like a secret).

        Split from the write so a caller on another thread (SessionWriter) stamps and checks the line when
        the change happens and appends it later, in order. `session_id` defaults to this Session's.
        """
        fields = {
            "step": step,
            "action": action,
            "target": target,
            "outcome": outcome,
            "request_id": request_id,
            "detail": detail,
        }
        for name, value in fields.items():
            if not isinstance(value, str):
                raise TypeError(f"journal {name} must be a str, not {type(value).__name__}")
            kind = _secret_kind(value)
            if kind is not None:
                raise ValueError(
                    f"journal {name} looks like {kind}; credentials never go into the audit journal"
                )
        entry: dict[str, Any] = {
            "time": self._clock()
            .astimezone(dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "session": self.session_id if session_id is None else session_id,
            **fields,
        }
        return (json.dumps(entry, ensure_ascii=True) + "\n").encode("ascii")

    def append_journal(self, line: bytes) -> None:
        """Append one line made by `journal_line` as a single O_APPEND write, durably."""
        _make_private_dirs(self.journal_path.parent)
        fd = os.open(self.journal_path, os.O_RDWR | os.O_APPEND | os.O_CREAT | _CLOEXEC | _BINARY, 0o600)
        try:
            if _ends_torn(fd):
                # A crash cut the last line short: start on a fresh line so ours stays whole.
                line = b"\n" + line
            view = memoryview(line)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def read_journal(self) -> list[dict[str, Any]]:
        """Every journal entry in order; a line cut short by a crash is skipped."""
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return []
        entries: list[dict[str, Any]] = []
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries


def parse_session(raw: bytes, name: str) -> WizardState:
    """The WizardState in a session file's bytes; StateError naming `name`, what is wrong, and its kind."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise StateError(f"{name}: the session file is not UTF-8 text (byte {e.start}); it is damaged") from e
    if not text.strip():
        raise StateError(f"{name}: the session file is empty (cut short when it was copied or written?)")
    try:
        return WizardState.from_json(text)
    except StateError as e:
        raise StateError(
            f"{name}: {e}", kind=e.kind, found_version=e.found_version, written_by=e.written_by
        ) from e
    except (ValueError, TypeError, RecursionError) as e:
        raise StateError(f"{name}: the session file is not a byok-tui session ({e})", kind="foreign") from e


def _reads_as_session(path: Path) -> bool:
    try:
        parse_session(path.read_bytes(), str(path))
    except (OSError, StateError):
        return False
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    """`target` becomes `source` as it is now (a hard link: same bytes, same 0600 mode; a private copy where
    the file system has no links). Replaces `target` atomically."""
    tmp = target.with_name(f".{target.name}.{os.urandom(6).hex()}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        data = source.read_bytes()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC | _BINARY, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    try:
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _make_private_dirs(directory: Path) -> None:
    """Create `directory` and any missing parents with mode 0700; leave existing ones alone."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(d, 0o700)
            if _POSIX:
                os.chmod(d, 0o700)  # mkdir's mode is filtered by the umask


def _fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (POSIX only: Windows cannot open a directory)."""
    if not _POSIX:
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_torn(fd: int) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    if hasattr(os, "pread"):
        return os.pread(fd, 1, size - 1) != b"\n"
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) != b"\n"
