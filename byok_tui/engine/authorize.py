"""Step 1 of the seed: authorize the Kore application in your tenant.

Option 1 (consent-url): an administrator opens the admin-consent URL; the wizard polls Graph until the
service principal appears. Option 2 (service-principal): the wizard creates it, as `az ad sp create`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from byok_tui.connection import Connection
from byok_tui.engine import revision
from byok_tui.engine.model import Change, CheckResult, Progress, adopted, arg
from byok_tui.engine.step import Step, needs_kore_app, undated_check, undated_problems
from byok_tui.errors import ByokError, InputError
from byok_tui.models import ServicePrincipalInfo
from byok_tui.state import WizardState

STEP_ID = "authorize"
TITLE = "Authorize the Kore app"
PURPOSE = "Register Kore.ai's application in your tenant, so that it can be given access to your key."
METHODS = ("service-principal", "consent-url")
CONSENT_POLL_SECONDS = 5.0
CONSENT_TIMEOUT_SECONDS = 15 * 60.0
CONSENT_REPORT_EVERY = 12
"""Polls between two "still waiting" lines in the progress log (a minute at the default interval)."""


def consent_url(state: WizardState) -> str:
    from byok_tui.clouds import get_cloud

    return get_cloud(state.signin.cloud).admin_consent_url(
        state.signin.tenant_id, state.authorize.kore_client_id
    )


def problems(state: WizardState) -> list[InputError]:
    from byok_tui import validate

    found = []
    if message := validate.tenant_id(state.signin.tenant_id):
        found.append(InputError("signin.tenant_id", message))
    if message := validate.kore_client_id(state.authorize.kore_client_id):
        found.append(InputError("authorize.kore_client_id", message))
    if state.authorize.method not in METHODS:
        found.append(InputError("authorize.method", f"choose one of: {', '.join(METHODS)}"))
    return found


ANSWER_FIELDS = ("kore_client_id", "method")
"""The fields of AuthorizeState the operator answers (the rest is what Graph reported)."""


def with_answers(current: WizardState, proposed: WizardState) -> WizardState:
    """`proposed`, consistent: changed answers make the step start over (`revision.revised`), and another
    client id drops the recorded service principal (it belongs to another app)."""
    state, changed = revision.revised(current, proposed, STEP_ID, "authorize", ANSWER_FIELDS)
    if changed and current.authorize.kore_client_id.lower() != proposed.authorize.kore_client_id.lower():
        state = dataclasses.replace(state, authorize=dataclasses.replace(state.authorize, sp_object_id="",
                                                                          sp_display_name=""))  # fmt: skip
    return state


def plan(state: WizardState) -> list[Change]:
    app = state.authorize.kore_client_id
    target = f"servicePrincipals(appId='{app}')"
    if state.authorize.method == "consent-url":
        return [
            Change(
                id="authorize.consent",
                title="Wait until an administrator grants admin consent to the Kore.ai app",
                target=target,
                az=f"# open {consent_url(state)}\naz ad sp show --id {arg(app)}",
                detail="A Global Administrator opens the URL and accepts; the wizard then finds the "
                "service principal that consent created.",
            )
        ]
    return [
        Change(
            id="authorize.service_principal",
            title=f"Create the service principal of the Kore.ai app {app} in your tenant",
            target=target,
            az=f"az ad sp create --id {arg(app)}",
        )
    ]


def _record(state: WizardState, sp: ServicePrincipalInfo) -> WizardState:
    return dataclasses.replace(
        state,
        authorize=dataclasses.replace(
            state.authorize, sp_object_id=sp.object_id, sp_display_name=sp.display_name
        ),
    )


async def apply(state: WizardState, conn: Connection, change: Change, progress: Progress) -> WizardState:
    from byok_tui.azure import graph

    app = state.authorize.kore_client_id
    if change.id == "authorize.service_principal":
        progress(f"Looking for the service principal of {app}…", 0.2)
        sp, created = await graph.create_service_principal(conn, app)
        verb = "Created" if created else "Found existing"
        progress(f"{verb} service principal {sp.display_name} ({sp.object_id}).", 1.0)
        return _record(state, sp)
    if change.id == "authorize.consent":
        return _record(state, await _await_consent(conn, app, progress))
    raise ByokError(f"Unknown change {change.id!r} for the authorize step")


def default_method(can_create: bool | None) -> str:
    """Option 2 (create the service principal) when the pre-flight says the operator may; else option 1."""
    return "service-principal" if can_create else "consent-url"


SANDBOX_CONSENT_NOTE = (
    "Demo: no administrator can open this URL in the sandbox, so the wait would run its 15 minutes and give "
    "up. To show Step 1 through, use option 2 (it creates the service principal), or restart with "
    "`byok-tui demo` (the default scenario) if this account may not."
)
"""The way on from option 1 in the demo, where admin consent never comes."""


async def survey(state: WizardState, conn: Connection, changes: list[Change]) -> list[Change]:
    """The plan against the tenant now: Kore's service principal already there is no change (nor a wait)."""
    from byok_tui.azure import graph

    try:
        sp = await graph.find_service_principal(conn, state.authorize.kore_client_id)
    except ByokError:
        return changes  # unknown: the plan stays as it was rather than claim something
    if sp is None:
        return [dataclasses.replace(c, effect="create") for c in changes]
    return [adopted(c, f"No change: Kore's service principal exists ({sp.display_name}, {sp.object_id})")
            for c in changes]  # fmt: skip


async def _await_consent(conn: Connection, app: str, progress: Progress) -> ServicePrincipalInfo:
    """Poll Graph every CONSENT_POLL_SECONDS until consent created the service principal.

    A transient refusal (throttling, 5xx, a dropped connection) is reported and polled through; anything
    else (a token refused, no permission to read) stops the wait with its remedy.
    """
    from byok_tui.azure import graph

    start = time.monotonic()
    checks = 0
    progress(f"Waiting for admin consent: checking Entra ID every {CONSENT_POLL_SECONDS:g} s for the "
             f"service principal of {app}.", 0.0)  # fmt: skip
    while True:
        checks += 1
        try:
            sp = await graph.find_service_principal(conn, app)
        except ByokError as exc:
            if not _transient(exc):
                raise
            sp = None
            progress(f"Check {checks} did not get an answer ({exc.title}); trying again.", None)
        if sp is not None:
            progress(f"Consent granted: found {sp.display_name} ({sp.object_id}).", 1.0)
            return sp
        waited = time.monotonic() - start
        if waited >= CONSENT_TIMEOUT_SECONDS:
            raise ByokError(
                "Admin consent has not been granted yet",
                detail=f"No service principal for {app} after {int(waited)} s ({checks} checks).",
                remedy="Open the admin-consent URL as a Global Administrator and accept, then apply again.",
            )
        if checks % CONSENT_REPORT_EVERY == 0:  # one line a minute, not one per poll
            progress(f"Still waiting for admin consent: {checks} checks, {_clock(waited)} so far.",
                     min(waited / CONSENT_TIMEOUT_SECONDS, 0.99))  # fmt: skip
        await asyncio.sleep(CONSENT_POLL_SECONDS)


def _transient(exc: ByokError) -> bool:
    return exc.status in (408, 429) or (exc.status or 0) >= 500 or "could not be reached" in exc.title


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


async def check(state: WizardState, conn: Connection) -> list[CheckResult]:
    from byok_tui.azure import graph

    app = state.authorize.kore_client_id
    start = time.perf_counter()
    try:
        sp = await graph.find_service_principal(conn, app)
    except ByokError as exc:
        if _transient(exc):  # Graph did not answer: the check could not run, which is not a failed check
            raise
        return [CheckResult("authorize.exists", "Kore service principal exists", "fail", detail=exc.detail or
                            exc.title, remedy=exc.remedy, request_id=exc.request_id)]  # fmt: skip
    ms = round((time.perf_counter() - start) * 1000, 1)
    if sp is None:
        return [
            CheckResult(
                "authorize.exists", "Kore service principal exists", "fail",
                detail=f"No service principal with appId {app} in this tenant.",
                remedy="Apply this step: create it, or have an administrator open the admin-consent URL.", ms=ms,
            )
        ]  # fmt: skip
    results = [
        CheckResult("authorize.exists", "Kore service principal exists", "pass",
                    detail=f"{sp.display_name}, object id {sp.object_id}.", ms=ms),
        CheckResult(
            "authorize.enabled", "Kore service principal is enabled", "pass" if sp.enabled else "fail",
            detail="Sign-in is enabled." if sp.enabled else "The service principal is disabled.",
            remedy="" if sp.enabled else "Enable it in Entra ID > Enterprise applications > Properties.",
        ),
    ]  # fmt: skip
    recorded = state.authorize.sp_object_id
    if recorded and recorded.lower() != sp.object_id.lower():
        results.append(CheckResult("authorize.recorded", "Recorded object id matches", "warn",
                                   detail=f"Recorded {recorded}, Entra has {sp.object_id}.",
                                   remedy="Apply this step again to record the current one."))  # fmt: skip
    return results


STEP = Step(
    id=STEP_ID,
    title=TITLE,
    purpose=PURPOSE,
    plan=plan,
    survey=survey,
    apply=apply,
    check=undated_check(check),
    problems=undated_problems(problems),
    requires=needs_kore_app,
    answers="authorize",
)
