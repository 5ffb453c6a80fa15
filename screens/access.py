"""Step 3: give Kore's service principal exactly what encryption needs on the vault, and prove it.

Nothing to type: the form page says who gets what on which vault (from Steps 1 and 2), the plan shows the
az command, and Apply waits out Azure's propagation with a spinner, the seconds waited and the engine's
progress lines. The checks include the least-privilege warning.
"""

from __future__ import annotations

from textual import getters
from textual.app import ComposeResult
from textual.widgets import Button, Static

from byok_tui import glyphs
from byok_tui.engine import access as access_step
from byok_tui.state import WizardState

from .flow import FlowScreen
from .messages import ApplyFinished, ApplyProgress
from .widgets.elapsed import Elapsed
from .widgets.facts import Fact
from .widgets.prereq import MissingSteps

WHY_MISSING = {
    "authorize": "Kore's service principal is not recorded, so there is no one to grant access to.",
    "vault": "the vault is not recorded, so there is nowhere to grant access.",
}


class AccessScreen(FlowScreen):
    """Step 3 of the seed: "Key Vault Crypto User" for Kore on the vault (or an access policy).

    Keys as in FlowScreen (r review, a apply, z az commands, k re-check, b back, n next).
    """

    STEP = access_step.STEP
    STEP_ID = access_step.STEP_ID
    CSS_PATH = "steps.tcss"
    ready_text = "Kore can use the key, and nothing more"

    missing = getters.query_one("#access-missing", MissingSteps)
    elapsed = getters.query_one("#access-elapsed", Elapsed)

    @property
    def FORM_FOCUS(self) -> str:  # type: ignore[override]  # the first "Go to" button when a step is missing
        missing = access_step.problems(self.app.state)
        return f"#goto-{missing[0].field}" if missing else "#review"

    def compose_form(self) -> ComposeResult:
        yield Static("What will be granted", classes="section")
        yield Fact("To", id="access-to")
        yield Fact("On", id="access-on")
        yield Fact("Grant", id="access-what")
        yield Fact("Allows", id="access-allows")
        yield Fact("Never", id="access-denies")
        yield MissingSteps(_missing(self.app.state), id="access-missing")
        yield Button("Review changes (r)", id="review", variant="primary", compact=True)

    async def page_composed(self, page: str) -> None:
        await super().page_composed(page)
        if page == "review":
            await self.query_one("#apply-progress").mount(Elapsed(id="access-elapsed"), before=0)

    async def on_mount(self) -> None:
        # FlowScreen.on_mount runs too (Textual calls on_mount along the MRO, this class first).
        await self._show_grant(self.app.state)
        self.watch(self.app, "applying", self._applying_changed, init=False)

    async def _show_grant(self, state: WizardState) -> None:
        g = access_step.grant(state)
        who = f"{g.principal}\nservice principal, object id {g.principal_id}" if g.principal_id else ""
        self.query_one("#access-to", Fact).set_value(who)
        self.query_one("#access-on", Fact).set_value(
            f"{g.vault} (permissions by {g.model})" if g.vault else ""
        )
        self.query_one("#access-what", Fact).set_value(g.what if g.vault else "")
        self.query_one("#access-allows", Fact).set_value(g.allows)
        self.query_one("#access-denies", Fact).set_value(g.denies)
        await self.missing.show(_missing(state))

    async def collect(self) -> WizardState | None:
        state = self.app.state
        found = access_step.problems(state)
        if found:
            await self._show_grant(state)
            self.refuse([(p.field, f"{p.rule}.") for p in found])
            return None
        return state

    # --- apply: make the wait visible -------------------------------------------------------

    def _applying_changed(self, applying: bool) -> None:
        if applying and self.page == "review":
            self.elapsed.start("Granting access…")

    def on_apply_progress(self, message: ApplyProgress) -> None:  # FlowScreen's handler logs the line too
        if not self.has_page("review"):  # an apply not started from the review page (FlowScreen composes it)
            return
        self.elapsed.say(message.message)
        self.query_one("#apply-progress").scroll_visible(animate=False)  # at 80x24 the plan pushes it down

    def on_apply_finished(self, message: ApplyFinished) -> None:
        if self.has_page("review"):
            self.elapsed.stop(f"{glyphs.FAIL} Stopped" if message.error else f"{glyphs.PASS} Done")

    # --- result ---------------------------------------------------------------------------

    def summary(self, state: WizardState) -> str:
        g, a = access_step.grant(state), state.access
        if a.mode == "rbac":
            return f"{g.principal} holds Key Vault Crypto User on {g.vault} (assignment {a.assignment_id.rsplit('/', 1)[-1]})."
        if a.mode == "policy":
            return f"{g.principal} has an access policy on {g.vault}: {', '.join(access_step.KORE_KEY_PERMISSIONS)}."
        return ""


def _missing(state: WizardState) -> list[tuple[str, str]]:
    return [(p.field, WHY_MISSING.get(p.field, p.rule)) for p in access_step.problems(state)]
