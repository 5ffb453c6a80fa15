"""The pure rules behind the apps grid, the confirmation and the validation: table-driven where they can be."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

import pytest

from byok_tui.connection import Connection
from byok_tui.engine import apps, confirm, health, validation
from byok_tui.engine.model import CheckResult
from byok_tui.errors import ByokError, InputError
from byok_tui.profile import Profile
from byok_tui.state import AppRef, AppsState, ConfirmState, EnterpriseKeyState, StepRecord, WizardState

APPS = (
    AppRef("st-000001", "Contoso HR Assistant", "employee", "published"),
    AppRef("st-000002", "Contoso HR Assistant EU", "employee", "configured"),
    AppRef("st-000003", "Claims Concierge", "customer", "published"),
    AppRef("st-000004", "Billing Support UK", "customer", "configured"),
)


def with_list(deselected: tuple[str, ...] = (), applied: bool = False) -> WizardState:
    state = WizardState(apps=AppsState(source="file", apps=APPS, deselected=deselected))
    return state.with_step("apps", StepRecord(applied=True, checked="pass")) if applied else state


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", ["st-000001", "st-000002", "st-000003", "st-000004"]),
        ("   ", ["st-000001", "st-000002", "st-000003", "st-000004"]),
        ("hr", ["st-000001", "st-000002"]),
        ("HR eu", ["st-000002"]),  # every word, any case
        ("eu hr", ["st-000002"]),  # in any order
        ("customer", ["st-000003", "st-000004"]),  # purpose
        ("configured", ["st-000002", "st-000004"]),  # status
        ("03", []),  # short words never match inside ids...
        ("000003", ["st-000003"]),  # ...a longer fragment does
        ("st-000003", ["st-000003"]),
        ("9", []),
        ("customer configured", ["st-000004"]),
        ("zzz", []),
        ("assistant\npublished", ["st-000001"]),  # words, not the field separator
    ],
)
def test_filter_apps(text, ids):
    assert [a.id for a in apps.filter_apps(APPS, text)] == ids


def test_filter_keeps_order_and_identity():
    found = apps.filter_apps(list(APPS), "contoso")
    assert found[0] is APPS[0] and found[1] is APPS[1]


def test_deselect_and_counts():
    state = apps.deselect(with_list(), ["st-000003", "st-000003", "st-000001"])
    assert state.apps.deselected == ("st-000003", "st-000001")
    assert apps.counts(state) == (2, 4)
    assert [a.id for a in apps.selected(state)] == ["st-000002", "st-000004"]
    assert [a.id for a in apps.on_default_key(state)] == ["st-000001", "st-000003"]  # list order
    with pytest.raises(InputError) as err:
        apps.deselect(state, ["st-9"])
    assert err.value.field == "apps.deselect" and "st-9" in err.value.rule


def test_a_changed_selection_is_no_longer_applied():
    state = with_list(("st-000001",), applied=True)
    assert apps.deselect(state, ["st-000001"]).step("apps").applied  # same selection: still recorded
    assert not apps.deselect(state, ["st-000002"]).step("apps").applied
    assert not apps.deselect(state, []).step("apps").applied


def test_with_apps_keeps_deselections_that_still_exist():
    state = with_list(("st-000001", "st-000004"), applied=True)
    reloaded = apps.with_apps(state, [APPS[0], APPS[1]])
    assert reloaded.apps.deselected == ("st-000001",) and len(reloaded.apps.apps) == 2
    assert not reloaded.step("apps").applied
    same = apps.with_apps(state, list(APPS))
    assert same.step("apps").applied and same.apps.deselected == ("st-000001", "st-000004")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("cs-5f0a9c1e-1111-4222-8333-944445555666", None),
        ("  cs-abc  ", None),
        ("", "Client ID: is required (Admin Console > API Scopes > your app's Client ID)"),
        ("cs abc", "Client ID: must not contain spaces"),
        ("x" * 129, "Client ID: must be at most 128 characters (this one has 129)"),
        ("cs-é", "Client ID: must be plain ASCII letters, digits and dashes, as the Admin Console shows it"),
    ],
)
def test_client_id_problem(text, problem):
    assert apps.client_id_problem(text) == problem


def test_file_problem(tmp_path):
    good = tmp_path / "bots.JSON"
    good.write_text("[]")
    (tmp_path / "dir.csv").mkdir()
    assert apps.file_problem(str(good)) is None
    assert apps.file_problem("") == "File: is required (a JSON or CSV export of your apps and bots)"
    assert (
        apps.file_problem(str(tmp_path / "bots"))
        == "File: must end in .json or .csv (this one has no extension)"
    )
    assert apps.file_problem("a.xlsx") == "File: must end in .json or .csv (this one has '.xlsx')"
    assert apps.file_problem(str(tmp_path / "none.csv")) == f"File: {tmp_path / 'none.csv'} does not exist"
    assert (
        apps.file_problem(str(tmp_path / "dir.csv"))
        == f"File: {tmp_path / 'dir.csv'} is a folder; name the export file in it"
    )
    assert apps.file_problem(str(tmp_path)) == f"File: {tmp_path} is a folder; name the export file in it"


def test_kore_host():
    live, sandbox = Connection(credential=None), Connection(credential=None, label="Sandbox")
    assert apps.kore_host(live) == "platform.kore.ai"  # Kore's cloud, by its Environment URL
    assert apps.kore_host(live, Profile(kore_host="bots.eu.kore.ai")) == "bots.eu.kore.ai"
    # pasted Environment URLs work, and the answers' or screen's host beats the profile's
    assert apps.kore_host(live, None, "https://platform.kore.ai/") == "platform.kore.ai"
    assert (
        apps.kore_host(live, Profile(kore_host="bots.eu.kore.ai"), "https://kore.example.com/")
        == "kore.example.com"
    )
    assert apps.host_note(live) == (
        "Kore Environment URL: https://platform.kore.ai (Kore's cloud, the default; set kore_host in the "
        "profile for another environment)"
    )
    assert apps.kore_host(sandbox, None, "https://bots.kore.ai") == apps.SANDBOX_KORE_HOST
    assert apps.kore_host(sandbox) == apps.SANDBOX_KORE_HOST
    assert (
        apps.kore_host(sandbox, Profile()) == apps.SANDBOX_KORE_HOST
    )  # the default profile: the sandbox's host
    assert apps.kore_host(sandbox, Profile(kore_host="bots.kore.ai.sandbox")) == "bots.kore.ai.sandbox"


def test_env_secret(monkeypatch):
    monkeypatch.delenv(apps.SECRET_ENV, raising=False)
    assert apps.env_secret() is None
    monkeypatch.setenv(apps.SECRET_ENV, "shh")
    secret = apps.env_secret()
    assert secret is not None and secret.reveal() == "shh" and "shh" not in repr(secret)


def test_names_and_plan_detail():
    many = [AppRef(f"i{n}", f"App {n}") for n in range(15)]
    assert apps.names([]) == "none"
    assert apps.names(many[:2]) == "App 0, App 1"
    assert apps.names(many, limit=3) == "App 0, App 1, App 2 and 12 more"
    (change,) = apps.plan(with_list(("st-000003",)))
    assert change.title == "Encrypt 3 of 4 apps and bots with your key; 1 stay on Kore's key"
    assert change.detail == "Stay on Kore's default key: Claims Concierge."
    assert apps.plan(with_list())[0].detail == ""


async def test_load_from_file_drops_secrets_and_rejects_a_bad_path(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps([{"_id": "st-000001", "name": "A", "jwtApps": [{"clientSecret": "TOPSECRET"}]}])
    )
    state = WizardState(apps=AppsState(source="file", file=str(path)))
    lines: list[str] = []
    found = await apps.load(state, Connection(credential=None), progress=lambda m, f=None: lines.append(m))
    assert found == [AppRef("st-000001", "A")] and "TOPSECRET" not in repr(found)
    assert lines == ["Read 1 apps and bots from export.json."]
    bad = dataclasses.replace(state, apps=AppsState(source="file", file=str(tmp_path / "gone.csv")))
    with pytest.raises(InputError) as err:
        await apps.load(bad, Connection(credential=None))
    assert err.value.field == "apps.file" and err.value.rule.endswith("does not exist")


# --- confirm -------------------------------------------------------------------------------------------


def console_state(enforcement: str = "2025-03-01", confirmed: str = "") -> WizardState:
    return WizardState(
        enterprise_key=EnterpriseKeyState(
            key_identifier="https://kv-a.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef",
            tenant_id="11111111-2222-4333-8444-555555555555", enforcement_date=enforcement,
        ),
        apps=AppsState(apps=APPS, deselected=("st-000002",)),
        confirm=ConfirmState(confirmed_at=confirmed),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("today", "line"),
    [
        (
            date(2025, 1, 1),
            "Now until 2025-03-01 (in 59 days): every value can still change and be re-tested.",
        ),
        (
            date(2025, 2, 28),
            "Now until 2025-03-01 (tomorrow): every value can still change and be re-tested.",
        ),
        (date(2025, 3, 1), "Today, 2025-03-01: the last day every value can still change."),
        (date(2025, 3, 4), "2025-03-01 has passed (3 days ago)."),
    ],
)
def test_timeline(today, line):
    lines = confirm.timeline(console_state(), today)
    assert lines[1] == line
    assert lines[2] == "From 2025-03-01: Kore encrypts the selected apps and bots with your key."
    assert "the folder chosen in Step 4" in lines[0]


def test_summary_counts():
    rows = dict(confirm.summary(console_state()))
    assert (
        rows["Apps and bots"] == "3 of 4 encrypted with your key"
        and rows["Stay on Kore's default key"] == "1"
    )


def test_lock_problems_allow_rotation_only():
    state = console_state(enforcement="2025-01-01", confirmed="2024-12-01T10:00:00+00:00")
    written = {"enterprise_key": dataclasses.asdict(state.enterprise_key)}
    after = date(2025, 2, 1)
    assert (
        confirm.lock_problems(state, written, date(2024, 12, 31)) == []
    )  # before enforcement: anything goes
    rotated = dataclasses.replace(
        state,
        enterprise_key=dataclasses.replace(
            state.enterprise_key,
            key_identifier="https://kv-a.vault.azure.net/keys/k1/ffffffffffffffffffffffffffffffff",
        ),
    )
    assert confirm.lock_problems(rotated, written, after) == []  # a new version of the same key
    other_key = dataclasses.replace(
        state,
        enterprise_key=dataclasses.replace(
            state.enterprise_key, key_identifier="https://kv-b.vault.azure.net/keys/k1"
        ),
    )
    assert confirm.lock_problems(other_key, written, after)[0].startswith("the key (was ")
    moved = dataclasses.replace(
        state, enterprise_key=dataclasses.replace(state.enterprise_key, enforcement_date="2025-01-02")
    )
    assert confirm.lock_problems(moved, written, after) == ["the enforcement date (was '2025-01-01')"]


async def test_confirm_check_reports_the_lock(tmp_path):
    state = console_state(enforcement="2025-01-01", confirmed="2024-12-01T10:00:00+00:00")
    path = tmp_path / confirm.RECORD_NAME
    state = dataclasses.replace(state, confirm=dataclasses.replace(state.confirm, record_path=str(path)))
    path.write_text(json.dumps(confirm.record(state)))
    results = await confirm.check(state, Connection(credential=None), today=date(2025, 2, 1))
    assert [(r.id, r.status) for r in results] == [("confirm.record", "pass"), ("confirm.lock", "pass")]
    changed = dataclasses.replace(
        state,
        enterprise_key=dataclasses.replace(
            state.enterprise_key, tenant_id="99999999-2222-4333-8444-555555555555"
        ),
    )
    results = await confirm.check(changed, Connection(credential=None), today=date(2025, 2, 1))
    assert results[-1].status == "fail" and "the tenant ID" in results[-1].detail
    assert [r.id for r in await confirm.check(state, Connection(credential=None), today=date(2024, 12, 2))] == [
        "confirm.record"]  # fmt: skip


# --- validation ----------------------------------------------------------------------------------------


def test_tick_in_checklist_order_and_complete():
    state = validation.tick(WizardState(), "basic-auth")
    assert state.validation.ticked == ("basic-auth",) and not state.step("validate").applied
    state = validation.tick(state, "analytics")
    assert state.validation.ticked == ("analytics", "basic-auth")
    assert state.step("validate") == StepRecord(applied=True, checked="pass")
    state = validation.tick(state, "analytics", done=False)
    assert state.validation.ticked == ("basic-auth",) and state.step("validate").checked == ""
    with pytest.raises(ByokError):
        validation.tick(state, "nope")


# --- health --------------------------------------------------------------------------------------------


async def test_check_all_skips_what_was_not_done_and_reports_what_could_not_run(monkeypatch):
    from byok_tui.engine import steps
    from byok_tui.engine.step import Step

    def fake(step_id: str) -> Step:
        async def check(state, conn, now):
            if step_id == "vault":
                raise ByokError(
                    "Vault unreachable", detail="dropped", remedy="Check the network.", request_id="r-1"
                )
            return [CheckResult(f"{step_id}.ok", "Fine", "pass", detail=str(now.date()))]

        return Step(id=step_id, title=step_id.title(), purpose="", plan=lambda s: [], apply=None, check=check)

    live = steps.live_ids()
    monkeypatch.setattr(steps, "live_steps", lambda: tuple(fake(step_id) for step_id in live))
    state = (
        WizardState()
        .with_step("vault", StepRecord(applied=True))
        .with_step("test", StepRecord(checked="fail"))
    )
    lines: list[str] = []
    outcomes = await health.check_all(state, Connection(credential=None), progress=lambda m, f=None: lines.append(m),
                                      now=datetime(2025, 1, 15, 9, 0, tzinfo=UTC))  # fmt: skip
    by_step = dict(outcomes)
    assert list(by_step) == list(live)
    assert by_step["authorize"][0].status == "skip"
    (vault,) = by_step["vault"]
    assert (vault.status, vault.title, vault.remedy, vault.request_id) == (
        "fail", "The check could not run: Vault unreachable", "Check the network.", "r-1")  # fmt: skip
    assert by_step["test"][0].detail == "2025-01-15"  # `now` reaches the dated checks
    assert (
        lines[0] == "Checking 1 of 10: Authorize…" and lines[-1] == "Checked 10 steps."
    )  # protect is live too
    assert health.worst(outcomes) == "fail"
    recorded = health.with_outcomes(state, outcomes)
    assert recorded.step("vault").checked == "fail" and recorded.step("test").checked == "pass"
    assert recorded.step("authorize") == StepRecord()  # never done: left alone


def test_health_titles_come_from_the_engine():
    assert health.title("test") == "Test configuration" and health.title("apps") == "Apps and bots"
    assert health.worst([("apps", [CheckResult("x", "x", "skip")])]) == "skip"


def test_profile_and_answers_accept_a_pasted_environment_url(tmp_path):
    from byok_tui import answers as answers_mod
    from byok_tui import profile as profile_mod
    from byok_tui.errors import InputError

    path = tmp_path / "byok.toml"
    path.write_text('kore_host = "https://platform.kore.ai/"\n')
    assert profile_mod.load(str(path)).kore_host == "platform.kore.ai"
    path.write_text('kore_host = "https://https://platform.kore.ai"\n')
    with pytest.raises(InputError):
        profile_mod.load(str(path))
    text = (
        '[signin]\ntenant_id = "9e7bbb39-752e-4401-b07f-74c98790c149"\n'
        'subscription_id = "37c739ce-b607-45bd-9934-2f6990e16d13"\n'
        '[apps]\nsource = "kore-api"\nclient_id = "cs-1"\nhost = "https://platform.kore.ai/"\n'
    )
    answers_path = tmp_path / "answers.toml"
    answers_path.write_text(text)
    answers = answers_mod.load(str(answers_path))
    from byok_tui.state import WizardState

    assert answers_mod.apply_to(answers, WizardState()).apps.kore_host == "platform.kore.ai"
