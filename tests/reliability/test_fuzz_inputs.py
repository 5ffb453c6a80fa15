"""Every file a command reads, fuzzed (issue 16): arbitrary bytes, truncations, JSON of the wrong shape and
old-schema files, fed to each command that reads a session, answers file, profile, apps file or sandbox
world. Never a traceback; bad input is exit 2; the sandbox world (Azure) is left exactly as it was.

The CLI runs in-process (`main([...])`) and example counts stay small, so this runs in CI in seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from byok_tui.cli import main
from byok_tui.sandbox import Sandbox
from byok_tui.session import Session, parse_session
from byok_tui.state import StateError

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])  # fmt: skip
DATA = Path(__file__).parent.parent / "data" / "sessions"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def session_like() -> st.SearchStrategy[bytes]:
    """Bytes a session path might hold: junk, a cut-short session, wrong-shape JSON, an old schema edited."""
    good = (DATA / "schema-1.json").read_bytes()
    data = json.loads(good)
    truncations = st.integers(0, len(good) - 1).map(lambda n: good[:n])
    wrong_shape = json_values.map(lambda v: json.dumps(v).encode())
    edited = st.tuples(st.sampled_from(sorted(data)), json_values).map(
        lambda kv: json.dumps({**data, kv[0]: kv[1]}).encode()
    )
    versions = st.integers(-3, 9).map(lambda v: json.dumps({**data, "schema_version": v}).encode())
    return st.one_of(st.binary(max_size=300), truncations, wrong_shape, edited, versions)


def text_like(valid: str) -> st.SearchStrategy[bytes]:
    raw = valid.encode()
    return st.one_of(st.binary(max_size=300), st.integers(0, len(raw) - 1).map(lambda n: raw[:n]),
                     json_values.map(lambda v: json.dumps(v).encode()), st.text(max_size=200).map(str.encode))  # fmt: skip


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A world after a full run, its session, and a run's answers: the good files the fuzz starts from."""
    from tests.e2e.test_full_run import CONSOLE, FULL

    tmp = tmp_path_factory.mktemp("fuzz")
    world = tmp / "world.json"
    Sandbox.create("default").save(world)
    sb = Sandbox.load(world)
    answers = tmp / "answers.toml"
    text = FULL.replace("{export}", str(tmp / "handoff")) + CONSOLE.replace("{deselect}", "")
    answers.write_text(text.format(tenant=sb.tenant_id, subscription=sb.subscription_id))
    assert quiet(["run", "--answers", str(answers), "--sandbox-state", str(world), "--session",
                  str(tmp / "session.json"), "--yes"])[0] == 0  # fmt: skip
    return {"dir": tmp, "world": world, "answers": answers, "tenant": sb.tenant_id,
            "subscription": sb.subscription_id, "session": tmp / "session.json"}  # fmt: skip


def quiet(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(argv)  # an exception here (a traceback) fails the test
    return code, err.getvalue()


def fresh(base, name: str, content: bytes) -> Path:
    """A new folder holding `content` as `name`, with a copy of the world (so each example starts clean)."""
    folder = base["dir"] / "case"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    shutil.copy(base["world"], folder / "world.json")
    (folder / name).write_bytes(content)
    return folder


def is_session(content: bytes) -> bool:
    try:
        parse_session(content, "fuzz")
    except StateError:
        return False
    return True


@FUZZ
@given(content=session_like())
def test_a_fuzzed_session_is_exit_2_for_every_command_and_changes_nothing(base, content):
    valid = is_session(content)
    assume(not valid or len(content) > 0)
    folder = fresh(base, "session.json", content)
    world, session = folder / "world.json", folder / "session.json"
    before = world.read_bytes()
    commands = [
        ["verify", "--sandbox-state", str(world), "--session", str(session)],
        ["export", "--session", str(session)],
    ]
    if not valid:  # a whole session would simply run (and change Azure, as it should)
        commands.append(["run", "--answers", str(base["answers"]), "--sandbox-state", str(world),
                         "--session", str(session), "--yes"])  # fmt: skip
    for argv in commands:
        code, err = quiet(argv)
        assert "Traceback" not in err
        if valid:
            assert code in (0, 1), (argv, err)
        else:
            assert code == 2, (argv, err)
            assert str(session) in err, err
            assert session.read_bytes() == content  # never overwritten
    assert world.read_bytes() == before
    if not valid:  # recover reads it too: it sets the file aside and rebuilds, or refuses a newer one
        code, err = quiet(["recover", "--session", str(session)])
        assert code in (0, 2) and "Traceback" not in err
        assert Session(session).load() is not None if code == 0 else session.read_bytes() == content


@FUZZ
@given(content=text_like("[signin]\nmethod = \"sandbox\"\ntenant_id = \"{t}\"\nsubscription_id = \"{s}\"\n"
                         "[vault]\nresource_group = \"rg-x\"\ncreate_resource_group = true\nlocation = \"eastus\"\n"
                         "name = \"kv-fuzz-byok\"\nkey_name = \"k\"\n"))  # fmt: skip
# Found by the fuzzer: a valid file with only [signin] runs nothing and exits 4 (incomplete), not 0-2.
@example(content=b'[signin]\nmethod = "sandbox"\ntenant_id = "{t}"\nsubscription_id = "{s}"\n')
def test_a_fuzzed_answers_file_is_exit_2_and_changes_nothing(base, content):
    content = content.replace(b"{t}", base["tenant"].encode()).replace(b"{s}", base["subscription"].encode())
    folder = fresh(base, "answers.toml", content)
    before = (folder / "world.json").read_bytes()
    code, err = quiet(["run", "--answers", str(folder / "answers.toml"), "--sandbox-state",
                       str(folder / "world.json"), "--session", str(folder / "s.json"), "--yes", "--read-only"])  # fmt: skip
    assert "Traceback" not in err
    from byok_tui import answers
    from byok_tui.errors import InputError

    try:
        answers.load(folder / "answers.toml")
    except InputError:
        assert code == 2, err
    else:  # a valid file may also leave steps undone (--read-only, or sections missing): exit 4, INCOMPLETE
        assert code in (0, 1, 2, 4), err
    assert (folder / "world.json").read_bytes() == before


@FUZZ
@given(
    content=text_like(
        'kore_client_id = "00000000-0000-0000-0000-000000000000"\nkore_ip_ranges = ["1.2.3.0/24"]\n'
    )
)
def test_a_fuzzed_profile_is_exit_2_and_changes_nothing(base, content):
    from byok_tui import profile
    from byok_tui.errors import InputError

    folder = fresh(base, "byok.toml", content)
    try:
        profile.load(folder / "byok.toml")
    except InputError:
        pass
    else:
        assume(False)  # a profile that parses is a different test's business
    before = (folder / "world.json").read_bytes()
    code, err = quiet(["run", "--answers", str(base["answers"]), "--profile", str(folder / "byok.toml"),
                       "--sandbox-state", str(folder / "world.json"), "--session", str(folder / "s.json"), "--yes"])  # fmt: skip
    assert code == 2 and "Traceback" not in err, err
    assert str(folder / "byok.toml") in err  # the file is named
    assert (folder / "world.json").read_bytes() == before


@FUZZ
@given(content=text_like('[{"_id": "st-1", "name": "Bot"}]'), suffix=st.sampled_from([".json", ".csv"]))
def test_a_fuzzed_apps_file_is_exit_2_or_a_selection_and_changes_nothing(base, content, suffix):
    folder = fresh(base, "bots" + suffix, content)
    answers = folder / "answers.toml"
    answers.write_text(f'[signin]\nmethod = "sandbox"\ntenant_id = "{base["tenant"]}"\n'
                       f'subscription_id = "{base["subscription"]}"\n'
                       f'[apps]\nsource = "file"\nfile = "{folder / ("bots" + suffix)}"\n')  # fmt: skip
    before = (folder / "world.json").read_bytes()
    code, err = quiet(["run", "--answers", str(answers), "--sandbox-state", str(folder / "world.json"),
                       "--session", str(folder / "s.json"), "--yes"])  # fmt: skip
    assert "Traceback" not in err
    from byok_tui.errors import InputError
    from byok_tui.kore import bots

    try:
        bots.load_file(folder / ("bots" + suffix))
    except InputError:
        assert code == 2, err
    else:
        assert code in (0, 1), err
    assert (folder / "world.json").read_bytes() == before


@FUZZ
@given(content=text_like('{"kind": "byok-tui-sandbox", "world": {"schema": 1}}'))
def test_a_fuzzed_sandbox_world_is_exit_2_and_is_left_as_it_was(base, content):
    folder = fresh(base, "bad-world.json", content)
    shutil.copy(base["session"], folder / "session.json")
    for argv in (["run", "--answers", str(base["answers"]), "--sandbox-state", str(folder / "bad-world.json"),
                  "--session", str(folder / "session.json"), "--yes"],
                 ["verify", "--sandbox-state", str(folder / "bad-world.json"), "--session",
                  str(folder / "session.json")]):  # fmt: skip
        code, err = quiet(argv)
        assert code == 2 and "Traceback" not in err, (argv, err)
        assert "--sandbox-state" in err
        assert (folder / "bad-world.json").read_bytes() == content
