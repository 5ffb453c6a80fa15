"""Sessions that survive real life (issue 16): damaged files, two wizards at once, signals, full disks."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from byok_tui.cli import main
from byok_tui.session import Session
from byok_tui.session_lock import SessionLock
from tests.reliability.conftest import fingerprint
from tests.reliability.test_faults import clean_world  # noqa: F401  (fixture)

SLOW = "latency=40ms"


def command(flow, *extra: str) -> list[str]:
    return [sys.executable, "-m", "byok_tui", "run", "--answers", str(flow.tmp / "answers.toml"),
            "--sandbox-state", str(flow.world), "--session", str(flow.tmp / "session.json"), "--yes",
            *extra]  # fmt: skip


def wait_for_line(path: Path, proc: subprocess.Popen, wanted) -> dict:
    """Block until the journal holds a line `wanted` accepts (reading the data, not the clock)."""
    session = Session(path)
    while True:
        for entry in session.read_journal():
            if wanted(entry):
                return entry
        assert proc.poll() is None, "the run ended before the line appeared"
        time.sleep(0.02)  # poll the journal: the run writes it from another process


# --- damaged, foreign and newer files -----------------------------------------------------------------

DAMAGE = {
    "truncated": lambda good: good[: len(good) // 2],
    "empty": lambda good: b"",
    "binary": lambda good: b"\x00\xff" * 40,
    "foreign": lambda good: b'{"name": "not a session"}',
    "newer": lambda good: json.dumps({"schema_version": 99, "written_by": "byok-tui 9.9"}).encode(),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_session_is_exit_2_for_every_command_and_is_left_as_it_was(flow, damage, capsys):
    assert flow() == 0
    session = flow.tmp / "session.json"
    bad = DAMAGE[damage](session.read_bytes())
    session.write_bytes(bad)
    before = flow.world.read_bytes()
    capsys.readouterr()
    for argv in (["verify", "--sandbox-state", str(flow.world), "--session", str(session)],
                 ["export", "--session", str(session)]):  # fmt: skip
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert str(session) in err and "Traceback" not in err
    assert flow() == 2
    err = capsys.readouterr().err
    assert str(session) in err and "Traceback" not in err
    if damage == "newer":
        assert "byok-tui 9.9" in err and "session schema 99" in err and "upgrade" in err
    else:
        assert "byok-tui recover --session" in err and "last good save (session.json.bak" in err
    assert session.read_bytes() == bad  # never overwritten
    assert flow.world.read_bytes() == before  # nothing changed in Azure


def test_recover_keeps_the_damaged_file_restores_the_last_good_save_and_the_run_adopts(
    flow,
    clean_world,  # noqa: F811  (the fixture, imported above)
    capsys,
):
    assert flow() == 0
    session = flow.tmp / "session.json"
    good = Session(session).load()
    bad = session.read_bytes()[:100]
    session.write_bytes(bad)  # an interrupted scp
    assert main(["recover", "--session", str(session)]) == 0
    out = capsys.readouterr().out
    kept = [p for p in flow.tmp.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == bad and str(kept[0]) in out
    restored = Session(session).load()
    assert restored.session_id == good.session_id and restored.vault.key_id == good.vault.key_id
    assert flow() == 0
    assert fingerprint(flow.world) == clean_world  # nothing made twice


def test_recover_from_the_journal_alone_rebuilds_the_resources_made_and_their_ids(flow, clean_world, capsys):  # noqa: F811
    assert flow() == 0
    session = flow.tmp / "session.json"
    good = Session(session).load()
    for backup in Session(session).backup_paths:
        backup.unlink(missing_ok=True)
    session.write_bytes(b"\x00")
    assert main(["recover", "--session", str(session)]) == 0
    assert "The journal proves vault: vault.vault" in capsys.readouterr().out
    rebuilt = Session(session).load()
    assert rebuilt.session_id == good.session_id
    assert (rebuilt.vault.vault_id, rebuilt.vault.name, rebuilt.vault.resource_group) == (
        good.vault.vault_id, good.vault.name, good.vault.resource_group
    )  # fmt: skip
    assert (
        rebuilt.vault.key_name == good.vault.key_name
        and rebuilt.signin.subscription_id == good.signin.subscription_id
    )
    assert rebuilt.access.scope == good.access.scope
    assert set(good.step("vault").applied_changes) <= set(rebuilt.step("vault").applied_changes)
    assert flow() == 0
    assert fingerprint(flow.world) == clean_world


# --- one wizard per session ---------------------------------------------------------------------------


def test_a_held_session_refuses_a_second_run_naming_the_holder_while_verify_and_export_work(flow, capsys):
    assert flow() == 0
    session = flow.tmp / "session.json"
    saved = session.read_bytes()
    with SessionLock(session, "byok-tui run"):
        capsys.readouterr()
        assert flow() == 2
        err = capsys.readouterr().err
        assert (
            f"{session} is in use by pid {os.getpid()} on {socket.gethostname()} (byok-tui run), since "
            in err
        )
        assert "UTC" in err and "ctrl+q" in err
        assert main(["verify", "--sandbox-state", str(flow.world), "--session", str(session)]) == 0
        assert "checking without recording" in capsys.readouterr().err
        assert main(["export", "--session", str(session)]) == 0
        assert session.read_bytes() == saved  # the holder's record is left alone
        assert main(["recover", "--session", str(session)]) == 2
    assert flow() == 0


HOLD = """
import os, sys
from byok_tui.session_lock import SessionLock
lock = SessionLock(sys.argv[1], "byok-tui").acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_holder_killed_with_sigkill_is_detected_and_its_lock_taken_over(flow, capsys):
    session = flow.tmp / "session.json"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(session)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout.readline().strip() == "held"
    assert flow() == 2  # alive: refused
    assert f"pid {holder.pid}" in capsys.readouterr().err
    holder.kill()
    holder.wait(timeout=30)
    assert flow() == 0  # the kernel dropped its lock
    assert f"took over {session} from pid {holder.pid}" in capsys.readouterr().err


def test_two_runs_started_together_end_in_one_refusal_and_one_completed_run(flow, clean_world):  # noqa: F811
    procs = [subprocess.Popen(command(flow, "--faults", SLOW), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]  # fmt: skip
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refusal = next(err for code, err in results if code == 2)
    assert "is in use by pid" in refusal and "Traceback" not in refusal
    assert fingerprint(flow.world) == clean_world


# --- signals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_mid_change_leaves_a_whole_session_and_the_next_run_adopts(flow, clean_world, sig, code):  # noqa: F811
    session = flow.tmp / "session.json"
    proc = subprocess.Popen(command(flow, "--faults", SLOW), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    started = wait_for_line(session, proc, lambda e: e["outcome"] == "started" and e["action"] == "vault.key")
    proc.send_signal(sig)
    assert proc.wait(timeout=60) == code
    err = proc.stderr.read()
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"Interrupted: the session {session} is saved; run the same command again to resume."
    )  # fmt: skip
    Session(session).load()  # whole
    lines = [(e["action"], e["outcome"]) for e in Session(session).read_journal()]
    assert lines[lines.index((started["action"], "started")) + 1 :][:1] in ([], [(started["action"], "interrupted")],
                                                                            [(started["action"], "applied")])  # fmt: skip
    assert flow() == 0
    assert fingerprint(flow.world) == clean_world


# --- disk full, read-only folders ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_save_that_fails_leaves_the_previous_session_and_changes_nothing(flow, monkeypatch, capsys, code):
    assert (
        flow("--read-only") == 1
    )  # a fresh world: the checks fail, nothing is changed, the session is saved
    session = flow.tmp / "session.json"
    saved = session.read_bytes()
    world = fingerprint(flow.world)
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        name = os.fspath(path)
        if os.path.dirname(name) == str(flow.tmp) and Path(name).name.startswith(".session.json."):
            raise OSError(code, os.strerror(code), name)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    capsys.readouterr()
    assert flow() == 2
    err = capsys.readouterr().err
    assert f"Could not save the session to {session}: {os.strerror(code)} ({errno.errorcode[code]})" in err
    assert "The previous save is intact" in err and "Traceback" not in err
    monkeypatch.undo()
    assert session.read_bytes() == saved
    assert fingerprint(flow.world) == world


@pytest.mark.parametrize("argv", [[], ["demo"]], ids=["wizard", "demo"])
def test_a_second_wizard_on_a_held_session_is_refused_before_it_starts(flow, capsys, argv):
    session = flow.tmp / "session.json"
    with SessionLock(session, "byok-tui run"):
        assert main([*argv, "--session", str(session)]) == 2
    err = capsys.readouterr().err
    assert f"{session} is in use by pid {os.getpid()}" in err and "Traceback" not in err
