"""WizardState: JSON round trip, precise decode errors, resume logic."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byok_tui import state as state_module
from byok_tui.state import (
    SCHEMA_VERSION,
    STEP_IDS,
    AppRef,
    AppsState,
    SigninState,
    StateError,
    StepRecord,
    VaultState,
    WizardState,
)

SETTINGS = settings(max_examples=200, deadline=None)

vault_states = st.builds(
    VaultState,
    resource_group=st.text(),
    create_resource_group=st.booleans(),
    location=st.text(),
    name=st.text(),
    create_vault=st.booleans(),
    sku=st.text(),
    enable_purge_protection=st.booleans(),
    key_name=st.text(),
    create_key=st.booleans(),
    key_size=st.integers(),
    key_hsm=st.booleans(),
    vault_id=st.text(),
    vault_uri=st.text(),
    rbac_authorization=st.one_of(st.none(), st.booleans()),
    key_id=st.text(),
)
step_records = st.builds(
    StepRecord,
    applied=st.booleans(),
    checked=st.sampled_from(["", "pass", "warn", "fail"]),
    applied_changes=st.lists(st.text(), max_size=5).map(tuple),
    updated_at=st.text(max_size=30),
)
wizard_states = st.builds(
    WizardState,
    session_id=st.text(max_size=20),
    signin=st.builds(SigninState, cloud=st.text(), method=st.text(), tenant_id=st.text()),
    vault=vault_states,
    steps=st.dictionaries(st.sampled_from(STEP_IDS), step_records, max_size=len(STEP_IDS)),
)


def state_dict(**changes) -> dict:
    data = WizardState().to_dict()
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return data


def decode_error(data: object) -> str:
    with pytest.raises(StateError) as info:
        WizardState.from_dict(data)
    return str(info.value)


# --- round trip ---------------------------------------------------------------------------


def test_default_round_trip() -> None:
    state = WizardState()
    assert state.schema_version == SCHEMA_VERSION
    assert WizardState.from_json(state.to_json()) == state


@SETTINGS
@given(vault=vault_states)
def test_vault_state_round_trip(vault: VaultState) -> None:
    state = WizardState(vault=vault)
    again = WizardState.from_json(state.to_json())
    assert again == state
    assert again.vault.rbac_authorization is vault.rbac_authorization


@SETTINGS
@given(state=wizard_states)
def test_whole_state_round_trip(state: WizardState) -> None:
    text = state.to_json()
    again = WizardState.from_json(text)
    assert again == state
    assert again.to_json() == text  # deterministic output: sorted keys
    for record in again.steps.values():
        assert isinstance(record.applied_changes, tuple)


def test_missing_fields_take_their_defaults() -> None:
    state = WizardState.from_dict({"schema_version": SCHEMA_VERSION, "vault": {"name": "kv-byok"}})
    assert state.vault.name == "kv-byok"
    assert state.vault.key_size == VaultState().key_size
    assert state.signin == SigninState()
    assert state.steps == {}


# --- decode errors name the field ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "not a byok-tui session (the top level is not a JSON object)"),
        (None, "not a byok-tui session (the top level is not a JSON object)"),
        ({}, "not a byok-tui session (it has no schema_version)"),
        ({"schema_version": 99}, "written by a newer byok-tui (unknown version, session schema 99)"),
        ({"schema_version": "1"}, "schema_version is '1'"),
        (state_dict(schema_version=True), "schema_version is True"),
        (state_dict(schema_version=1.0), "schema_version is 1.0"),
        (state_dict(colour="blue"), "session: unknown field 'colour'"),
        (state_dict(vault__colour="blue"), "vault: unknown field 'colour'"),
        (state_dict(signin__password="x"), "signin: unknown field 'password'"),
        (state_dict(steps={"vault": {"aplied": True}}), "steps.vault: unknown field 'aplied'"),
        (state_dict(vault="kv"), "vault: expected an object"),
        (state_dict(vault__key_size="3072"), "vault.key_size: expected a whole number"),
        (state_dict(vault__key_size=3072.0), "vault.key_size: expected a whole number"),
        (state_dict(vault__key_size=True), "vault.key_size: expected a whole number"),
        (state_dict(vault__create_vault=1), "vault.create_vault: expected true or false"),
        (state_dict(vault__name=None), "vault.name: expected text"),
        (state_dict(vault__name=42), "vault.name: expected text"),
        (state_dict(vault__rbac_authorization="yes"), "vault.rbac_authorization: unexpected value 'yes'"),
        (state_dict(signin__tenant_id=["x"]), "signin.tenant_id: expected text"),
        (state_dict(steps=[]), "steps: expected an object"),
        (state_dict(steps={"vault": []}), "steps.vault: expected an object"),
        (
            state_dict(steps={"vault": {"applied_changes": "c1"}}),
            "steps.vault.applied_changes: expected a list",
        ),
        (
            state_dict(steps={"vault": {"applied_changes": ["c1", 2]}}),
            "steps.vault.applied_changes[1]: expected text",
        ),
    ],
)
def test_decode_errors_name_the_field(data: object, expected: str) -> None:
    assert expected in decode_error(data)


def test_not_json() -> None:
    with pytest.raises(StateError, match=r"not valid JSON: expecting value at line 1 column 1"):
        WizardState.from_json("not json")


def test_rbac_authorization_accepts_null_and_booleans() -> None:
    for value in (None, True, False):
        assert (
            WizardState.from_dict(state_dict(vault__rbac_authorization=value)).vault.rbac_authorization
            is value
        )


# --- steps and resume ----------------------------------------------------------------------

DONE = StepRecord(applied=True, checked="pass")


def finished(*step_ids: str) -> WizardState:
    state = WizardState()
    for step_id in step_ids:
        state = state.with_step(step_id, DONE)
    return state


def test_step_defaults_to_a_blank_record() -> None:
    assert WizardState().step("vault") == StepRecord()


def test_with_step_returns_a_new_state() -> None:
    before = WizardState()
    after = before.with_step("signin", DONE)
    assert before.steps == {}
    assert after.step("signin") == DONE
    assert after.with_step("signin", StepRecord()).step("signin") == StepRecord()
    assert after.steps is not before.steps


def test_resume_point_of_a_new_session_is_the_first_step() -> None:
    assert WizardState().resume_point() == "signin"


@pytest.mark.parametrize("count", range(len(STEP_IDS)))
def test_resume_point_is_the_first_unfinished_step(count: int) -> None:
    assert finished(*STEP_IDS[:count]).resume_point() == STEP_IDS[count]


def test_resume_point_when_everything_is_done_is_the_last_step() -> None:
    assert finished(*STEP_IDS).resume_point() == STEP_IDS[-1] == "validate"


@pytest.mark.parametrize(
    ("record", "done"),
    [
        (StepRecord(applied=True, checked="pass"), True),
        (StepRecord(applied=True, checked="warn"), True),
        (StepRecord(applied=True, checked="fail"), False),
        (StepRecord(applied=True, checked=""), False),
        (StepRecord(applied=False, checked="pass"), False),
        (StepRecord(applied=False, checked=""), False),
    ],
)
def test_a_step_counts_as_done_only_when_applied_and_passing(record: StepRecord, done: bool) -> None:
    state = finished("signin").with_step("authorize", record)
    assert state.resume_point() == ("vault" if done else "authorize")


def test_resume_point_goes_back_to_an_earlier_gap() -> None:
    state = finished(*STEP_IDS).with_step("access", StepRecord(applied=True, checked="fail"))
    assert state.resume_point() == "access"


def test_unknown_step_ids_do_not_affect_resume() -> None:
    assert finished("bogus").resume_point() == "signin"


def test_state_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        WizardState().session_id = "x"  # type: ignore[misc]


def test_to_json_is_plain_json() -> None:
    data = json.loads(finished("signin").to_json())
    assert data["steps"]["signin"] == {
        "applied": True,
        "checked": "pass",
        "applied_changes": [],
        "updated_at": "",
    }


def _plain_json(state: WizardState) -> str:
    """What `to_json` wrote before long tuples were reused: one json.dumps of the whole state."""
    from byok_tui.state import _written_by

    return json.dumps({**state.to_dict(), "written_by": _written_by()}, sort_keys=True, separators=(",", ":"))


def _apps(count: int, tag: str) -> tuple[AppRef, ...]:
    return tuple(AppRef(id=f"st-{tag}-{i}", name=f"Bot {i} “{tag}”", purpose="customer", status="published")
                 for i in range(count))  # fmt: skip


def test_a_long_app_list_is_written_exactly_as_one_dump_would_write_it() -> None:
    base = WizardState()
    first = dataclasses.replace(
        base, apps=AppsState(apps=_apps(state_module.LONG + 5, "a"), deselected=("st-a-3",))
    )
    assert first.to_json() == _plain_json(first)
    assert first.to_json() == _plain_json(first)  # again, from the kept JSON
    # A new list (a reload), and the same list with another selection: each written as it is now.
    second = dataclasses.replace(
        first, apps=dataclasses.replace(first.apps, apps=_apps(state_module.LONG, "b"))
    )
    assert second.to_json() == _plain_json(second)
    third = dataclasses.replace(second, apps=dataclasses.replace(second.apps, deselected=()))
    assert third.to_json() == _plain_json(third)
    assert WizardState.from_json(third.to_json()) == third


def test_a_long_app_list_is_encoded_once_while_the_state_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    apps = _apps(state_module.LONG, "c")
    state = dataclasses.replace(WizardState(), apps=AppsState(apps=apps))
    encoded: list[int] = []
    real = state_module._encode

    def counting(value, long=None):
        if isinstance(value, AppRef):
            encoded.append(1)
        return real(value, long)

    monkeypatch.setattr(state_module, "_encode", counting)
    state.to_json()
    dataclasses.replace(state, apps=dataclasses.replace(state.apps, deselected=(apps[0].id,))).to_json()
    assert len(encoded) == len(apps)  # the second save reused the first one's JSON for the same tuple
    dataclasses.replace(state, apps=dataclasses.replace(state.apps, apps=apps[:-1] + (apps[-1],))).to_json()
    assert len(encoded) == 2 * len(
        apps
    )  # an equal list in a new tuple is encoded again: identity, not equality
