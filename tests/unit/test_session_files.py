"""Session files that survive real life: older schemas migrate, newer ones are refused with both versions
named, the last good save is kept beside the session, and a damaged file is never overwritten."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from byok_tui import __version__
from byok_tui.session import Session
from byok_tui.state import MIGRATIONS, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION, StateError, WizardState

DATA = Path(__file__).parent.parent / "data" / "sessions"


def named(key_name: str) -> WizardState:
    base = WizardState(session_id="s-1")
    return dataclasses.replace(base, vault=dataclasses.replace(base.vault, key_name=key_name))


@pytest.mark.parametrize("version", range(OLDEST_SCHEMA_VERSION, SCHEMA_VERSION))
def test_each_older_schema_version_is_migrated(tmp_path: Path, version: int) -> None:
    """One real file per older schema version (tests/data/sessions/schema-N.json, as that byok-tui wrote it)."""
    fixture = DATA / f"schema-{version}.json"
    assert fixture.exists(), f"add {fixture.name}: a session as the byok-tui of schema {version} wrote it"
    assert json.loads(fixture.read_text())["schema_version"] == version
    path = tmp_path / "session.json"
    path.write_bytes(fixture.read_bytes())
    state = Session(path).load()
    assert state is not None and state.schema_version == SCHEMA_VERSION
    assert state.vault.key_name == "kore-cmk" and state.step("vault").applied_changes == (
        "vault.resource-group", "vault.vault", "vault.key"
    )  # fmt: skip
    Session(path).save(state)  # saved again in the current schema, with the writer named
    saved = json.loads(path.read_text())
    assert saved["schema_version"] == SCHEMA_VERSION and saved["written_by"] == f"byok-tui {__version__}"


def test_every_schema_step_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(OLDEST_SCHEMA_VERSION, SCHEMA_VERSION))


def test_a_newer_session_is_refused_with_both_versions_named(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    path.write_text(
        json.dumps({"schema_version": SCHEMA_VERSION + 1, "written_by": "byok-tui 7.2.0", "x": 1})
    )
    with pytest.raises(StateError) as info:
        Session(path).load()
    assert info.value.kind == "newer" and info.value.found_version == SCHEMA_VERSION + 1
    message = str(info.value)
    assert "byok-tui 7.2.0" in message and f"byok-tui {__version__}" in message
    assert (
        f"schema {SCHEMA_VERSION + 1}" in message
        and f"schemas {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}" in message
    )


def test_each_save_keeps_the_previous_good_save_beside_it_rotated_and_private(tmp_path: Path) -> None:
    session = Session(tmp_path / "session.json")
    for n in range(1, 5):
        session.save(named(f"k{n}"))
    newest, older = session.backup_paths
    assert Session(newest).load().vault.key_name == "k3"
    assert Session(older).load().vault.key_name == "k2"
    for path in (session.path, newest, older):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert session.load().vault.key_name == "k4"


def test_a_new_process_rotates_a_good_file_it_did_not_write(tmp_path: Path) -> None:
    Session(tmp_path / "session.json").save(named("first"))
    again = Session(tmp_path / "session.json")  # another run: it never loaded the file
    again.save(named("second"))
    assert Session(again.backup_paths[0]).load().vault.key_name == "first"


@pytest.mark.parametrize("damage", [b'{"schema_version": 2, "sess', b"\x00\xff", b'{"other": "tool"}'])
def test_a_damaged_file_is_never_overwritten_but_kept_under_a_new_name(tmp_path: Path, damage: bytes) -> None:
    session = Session(tmp_path / "session.json")
    session.save(named("good"))
    session.save(named("better"))
    session.path.write_bytes(damage)  # an interrupted scp, a stray editor, another tool's file
    session.save(named("after"))
    kept = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == damage and kept[0] == session.kept_aside
    assert stat.S_IMODE(os.stat(kept[0]).st_mode) == 0o600
    # The damaged bytes never became a backup: the last good save is still the one kept.
    assert Session(session.backup_paths[0]).load().vault.key_name == "good"
    assert session.load().vault.key_name == "after"
