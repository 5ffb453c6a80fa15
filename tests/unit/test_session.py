"""Session file: atomic private saves, clear load errors, and an append-only journal without secrets."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from byok_tui import session as session_mod
from byok_tui.session import Session, default_session_path, new_session_id
from byok_tui.state import StateError, StepRecord, VaultState, WizardState

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
FIXED = dt.datetime(2026, 11, 29, 10, 0, 0, tzinfo=dt.UTC)


def make_state(session_id: str = "s-0000abcd", vault: str = "kv-byok") -> WizardState:
    return WizardState(
        session_id=session_id,
        vault=VaultState(resource_group="rg-byok", location="eastus", name=vault, key_name="byok-key"),
        steps={"signin": StepRecord(applied=True, checked="pass", applied_changes=("signin",))},
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return Session(tmp_path / "session.json", clock=lambda: FIXED)


# --- paths --------------------------------------------------------------------------------


def test_paths(tmp_path: Path) -> None:
    s = Session(str(tmp_path / "session.json"))
    assert s.path == tmp_path / "session.json"
    assert s.journal_path == tmp_path / "session.json.journal"
    assert Session(tmp_path / "session").journal_path == tmp_path / "session.journal"
    assert Session(tmp_path / "a.b.json").journal_path == tmp_path / "a.b.json.journal"


def test_new_session_id() -> None:
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"s-[0-9a-f]{8}", i) for i in ids)


def test_default_session_path_prefers_the_environment_variable(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BYOK_TUI_SESSION", str(tmp_path / "mine.json"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_session_path() == tmp_path / "mine.json"


def test_default_session_path_honours_xdg_state_home(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BYOK_TUI_SESSION", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert default_session_path() == tmp_path / "xdg" / "byok-tui" / "session.json"


@pytest.mark.parametrize("xdg", [None, "", "relative/state"])
def test_default_session_path_falls_back_to_local_state(monkeypatch, tmp_path: Path, xdg: str | None) -> None:
    monkeypatch.delenv("BYOK_TUI_SESSION", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_STATE_HOME", xdg)
    assert default_session_path() == tmp_path / ".local" / "state" / "byok-tui" / "session.json"


# --- save and load ------------------------------------------------------------------------


def test_round_trip(session: Session) -> None:
    state = make_state()
    session.save(state)
    assert session.load() == state
    assert Session(session.path).load() == state
    assert json.loads(session.path.read_text())["session_id"] == "s-0000abcd"


def test_save_overwrites(session: Session) -> None:
    session.save(make_state(vault="kv-one"))
    session.save(make_state(vault="kv-two"))
    assert session.load().vault.name == "kv-two"
    assert leftovers(session.path.parent) == []


def test_load_missing_file_is_none(session: Session) -> None:
    assert session.load() is None


@posix_only
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_file_mode_is_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        s = Session(tmp_path / "session.json")
        s.save(make_state())
        s.journal(step="vault", action="create", outcome="ok")
    finally:
        os.umask(old)
    assert mode(s.path) == 0o600
    assert mode(s.journal_path) == 0o600


@posix_only
def test_save_tightens_a_loose_existing_file(session: Session) -> None:
    session.path.write_text("{}")
    session.path.chmod(0o644)
    session.save(make_state())
    assert mode(session.path) == 0o600


@posix_only
def test_save_creates_missing_directories_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        s = Session(tmp_path / "state" / "byok-tui" / "session.json")
        s.save(make_state())
    finally:
        os.umask(old)
    assert mode(tmp_path / "state") == 0o700
    assert mode(tmp_path / "state" / "byok-tui") == 0o700
    assert s.load() == make_state()


@posix_only
def test_save_leaves_existing_directories_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    Session(shared / "session.json").save(make_state())
    assert mode(shared) == 0o755


def test_journal_creates_missing_directories(tmp_path: Path) -> None:
    s = Session(tmp_path / "new" / "session.json")
    s.journal(step="signin", action="sign-in", outcome="ok")
    assert len(s.read_journal()) == 1


@posix_only
def test_save_fsyncs_the_file_and_the_directory(session: Session, monkeypatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    session.save(make_state())
    assert synced == ["file", "dir"]


def test_failed_replace_keeps_the_old_file_whole(session: Session, monkeypatch) -> None:
    old = make_state(vault="kv-old")
    session.save(old)
    before = session.path.read_bytes()

    def boom(src, dst) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left"):
        session.save(make_state(vault="kv-new"))
    monkeypatch.undo()
    assert session.path.read_bytes() == before
    assert json.loads(before)["vault"]["name"] == "kv-old"
    assert session.load() == old
    assert leftovers(session.path.parent) == []


class _Torn:
    """A file object that writes half of what it is given, then fails: a crash mid-write."""

    def __init__(self, real) -> None:
        self.real = real

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.real.close()

    def fileno(self) -> int:
        return self.real.fileno()

    def write(self, data: bytes) -> int:
        self.real.write(data[: len(data) // 2])
        self.real.flush()
        raise OSError(5, "Input/output error")

    def flush(self) -> None:
        self.real.flush()


@pytest.mark.parametrize("existing", [True, False], ids=["over-old-file", "first-save"])
def test_crash_during_write_leaves_no_partial_file(session: Session, monkeypatch, existing: bool) -> None:
    if existing:
        session.save(make_state(vault="kv-old"))
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: _Torn(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError, match="Input/output"):
        session.save(make_state(vault="kv-new"))
    monkeypatch.undo()
    assert leftovers(session.path.parent) == []
    if existing:
        assert session.load().vault.name == "kv-old"
    else:
        assert not session.path.exists()
        assert session.load() is None


def test_killed_writer_never_leaves_a_half_written_session(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    script = textwrap.dedent(
        f"""
        import dataclasses, sys
        from byok_tui.session import Session
        from byok_tui.state import WizardState, VaultState
        s = Session({str(path)!r})
        i = 0
        while True:
            i += 1
            s.save(WizardState(session_id="s-%08x" % i, vault=VaultState(name="kv" + "x" * (i % 20), key_id="k" * 50_000)))
            if i == 3:
                print("ready", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
    finally:
        proc.kill()
        proc.wait()
    state = Session(path).load()
    assert state is not None and state.vault.key_id == "k" * 50_000


@pytest.mark.parametrize(
    ("content", "expected", "kind"),
    [
        (b"", "is empty", "damaged"),
        (b"   \n", "is empty", "damaged"),
        (b"{not json", "not valid JSON", "damaged"),
        # An interrupted scp: the end is missing. Said once, in plain words (it used to read "at at line 1").
        (b'{"schema_version": 1, "sess', "not valid JSON: cut short (the end is missing)", "damaged"),
        (b"[1, 2]", "not a byok-tui session (the top level is not a JSON object)", "foreign"),
        (b'"text"', "not a byok-tui session", "foreign"),
        (b"\xff\xfe{}", "not UTF-8", "damaged"),
        (b'{"schema_version": 99, "written_by": "byok-tui 9.0"}',
         "written by a newer byok-tui (byok-tui 9.0, session schema 99); this is byok-tui", "newer"),
        (b'{"schema_version": "1"}', "not a byok-tui session (schema_version is '1')", "foreign"),
        (b"{}", "not a byok-tui session (it has no schema_version)", "foreign"),
        (b'{"a": 1}', "not a byok-tui session (it has no schema_version)", "foreign"),
        (b'{"schema_version": 1, "colour": "blue"}', "unknown field 'colour'", "damaged"),
        (b'{"schema_version": 1, "vault": {"key_size": "big"}}', "vault.key_size: expected a whole number", "damaged"),
        (
            b'{"schema_version": 1, "steps": {"vault": {"applied": "yes"}}}',
            "steps.vault.applied: expected true or false", "damaged",
        ),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "not a byok-tui session", "foreign", id="deep-nesting"),
        pytest.param(b'{"schema_version": ' + b"9" * 5000 + b"}", "not a byok-tui session", "foreign",
                     id="huge-number"),
    ],
)  # fmt: skip
def test_corrupt_or_foreign_files_raise_state_error(
    session: Session, content: bytes, expected: str, kind: str
) -> None:
    session.path.write_bytes(content)
    with pytest.raises(StateError) as info:
        session.load()
    message = str(info.value)
    assert message.startswith(f"{session.path}: "), message
    assert expected in message, message
    assert " at at " not in message
    assert info.value.kind == kind
    assert len(message) < 500


def test_a_directory_in_the_way_raises_state_error(session: Session) -> None:
    session.path.mkdir()
    with pytest.raises(StateError, match="cannot read the session file"):
        session.load()


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_raises_state_error(session: Session) -> None:
    session.save(make_state())
    session.path.chmod(0o000)
    try:
        with pytest.raises(StateError, match="cannot read the session file"):
            session.load()
    finally:
        session.path.chmod(0o600)


# --- journal ------------------------------------------------------------------------------


def test_journal_line_shape(session: Session) -> None:
    session.journal(
        step="vault",
        action="create-vault",
        target="/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
        outcome="ok",
        request_id="0f2a…",
        detail="created in eastus",
    )
    (line,) = session.journal_path.read_text().splitlines()
    entry = json.loads(line)
    assert entry == {
        "time": "2026-11-29T10:00:00.000Z",
        "session": "",
        "step": "vault",
        "action": "create-vault",
        "target": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
        "outcome": "ok",
        "request_id": "0f2a…",
        "detail": "created in eastus",
    }
    assert list(entry) == ["time", "session", "step", "action", "target", "outcome", "request_id", "detail"]


def test_journal_time_is_utc_iso8601(tmp_path: Path) -> None:
    s = Session(tmp_path / "session.json")
    s.journal(step="signin", action="sign-in", outcome="ok")
    stamp = s.read_journal()[0]["time"]
    parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert parsed.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - parsed).total_seconds()) < 60


def test_journal_records_the_session_id(session: Session) -> None:
    session.journal(step="signin", action="sign-in", outcome="ok")
    session.save(make_state(session_id="s-11112222"))
    session.journal(step="vault", action="create", outcome="ok")
    later = Session(session.path, clock=lambda: FIXED)  # a new process resuming the session
    later.journal(step="access", action="assign-role", outcome="ok")
    assert [e["session"] for e in session.read_journal()] == ["", "s-11112222", "s-11112222"]
    assert later.session_id == "s-11112222"


def test_journal_session_id_from_an_unreadable_file_is_empty(session: Session) -> None:
    session.path.write_text("garbage")
    session.journal(step="signin", action="sign-in", outcome="ok")
    assert session.read_journal()[0]["session"] == ""


def test_journal_is_append_only_across_sessions_on_one_path(tmp_path: Path) -> None:
    one = Session(tmp_path / "session.json")
    two = Session(tmp_path / "session.json")
    seen = b""
    for i in range(60):
        (one if i % 2 else two).journal(step="vault", action=f"change-{i}", outcome="ok", detail="x" * i)
        now = one.journal_path.read_bytes()
        assert now.startswith(seen), "an earlier line was rewritten"
        assert now.count(b"\n") == i + 1
        seen = now
    assert [e["action"] for e in one.read_journal()] == [f"change-{i}" for i in range(60)]
    assert one.read_journal() == two.read_journal()


def test_journal_keeps_each_entry_on_one_line(session: Session) -> None:
    session.journal(step="vault", action="create", outcome="fail", detail="line one\nline two\u2028three\r")
    raw = session.journal_path.read_bytes()
    assert raw.count(b"\n") == 1 and raw.isascii()
    assert session.read_journal()[0]["detail"] == "line one\nline two\u2028three\r"


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    script = textwrap.dedent(
        f"""
        import sys
        from byok_tui.session import Session
        s = Session({str(path)!r})
        for i in range(150):
            s.journal(step="vault", action=f"w{{sys.argv[1]}}-{{i}}", outcome="ok", detail="y" * 3000)
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(n)]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    raw = Session(path).journal_path.read_bytes().split(b"\n")
    lines = [line for line in raw if line]
    assert len(lines) == 600
    assert all(json.loads(line)["detail"] == "y" * 3000 for line in lines)


def test_torn_final_line_is_skipped_and_the_next_entry_is_whole(session: Session) -> None:
    session.journal(step="vault", action="first", outcome="ok")
    with open(session.journal_path, "ab") as f:
        f.write(b'{"time": "2026-11-29T10:00:01.000Z", "session": "", "step": "vau')  # crash mid-line
    assert [e["action"] for e in session.read_journal()] == ["first"]
    session.journal(step="vault", action="second", outcome="ok")
    assert [e["action"] for e in session.read_journal()] == ["first", "second"]
    assert session.journal_path.read_bytes().endswith(b"\n")


def test_read_journal_skips_junk_but_keeps_order(session: Session) -> None:
    session.journal_path.write_bytes(b'{"action": "a"}\n\n[1]\n\xff\xfe\n"text"\n{"action": "b"}\n{"act')
    assert session.read_journal() == [{"action": "a"}, {"action": "b"}]


def test_read_journal_missing_is_empty(session: Session) -> None:
    assert session.read_journal() == []


JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("detail", f"token was {JWT}", "a JWT"),
        ("detail", "eyJ0eXAiOiJKV1Qi.", "a JWT"),
        ("target", f"Authorization: Bearer {JWT}", "a JWT"),
        ("detail", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789", "a bearer token"),
        ("target", "bearer 0123456789ABCDEFGHIJ0123456789==", "a bearer token"),
        ("request_id", "Bearer abcdefghijklmnopqrstuvwxyz", "a bearer token"),
        ("detail", "secret abc8Q~abcdefghijklmnopqrstuvwxyz0123456789 created", "a client secret"),
        ("action", JWT, "a JWT"),
        ("outcome", JWT, "a JWT"),
        ("step", JWT, "a JWT"),
    ],
)
def test_secret_looking_values_are_refused(session: Session, field: str, value: str, kind: str) -> None:
    fields = {"step": "vault", "action": "create", "outcome": "ok", field: value}
    with pytest.raises(ValueError, match=f"journal {field} looks like {kind}"):
        session.journal(**fields)
    assert not session.journal_path.exists()


@pytest.mark.parametrize(
    "detail",
    [
        'Bearer authorization="https://login.microsoftonline.com/tid", resource="https://vault.azure.net"',
        "the bearer token has expired",
        "Bearer realm=x",
        "key https://kv.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
        "request 3fa85f64-5717-4562-b3fc-2c963f66afa6 returned 403 Forbidden",
        "keyJ.x is not a JWT",
    ],
)
def test_ordinary_details_are_accepted(session: Session, detail: str) -> None:
    session.journal(step="vault", action="check", outcome="fail", detail=detail)
    assert session.read_journal()[0]["detail"] == detail


def test_non_text_fields_are_refused(session: Session) -> None:
    with pytest.raises(TypeError, match="journal detail must be a str"):
        session.journal(step="vault", action="create", outcome="ok", detail={"token": "x"})  # type: ignore[arg-type]
    assert not session.journal_path.exists()


def test_save_does_not_touch_the_journal(session: Session) -> None:
    session.journal(step="vault", action="create", outcome="ok")
    before = session.journal_path.read_bytes()
    session.save(dataclasses.replace(make_state(), session_id="s-99999999"))
    assert session.journal_path.read_bytes() == before


def test_module_never_imports_textual_or_sdks() -> None:
    code = "import sys, byok_tui.session, byok_tui.validate; bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'azure', 'msgraph', 'httpx')]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert session_mod.__name__ == "byok_tui.session"
