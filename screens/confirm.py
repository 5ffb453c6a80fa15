"""Admin console > Proceed: everything that will happen and when; then the record, what to do next and
the Manage options.

The form page is the summary (engine.confirm.summary and .timeline, the apps that stay on Kore's default
key, and what still blocks Proceed). Proceed asks once (a ConfirmModal naming what it writes) and runs
engine.confirm.apply in the App's apply worker. The result page proves the record, says what to do in
Kore's console, offers the record to copy and, once proceeded, Manage: rotate the key (on the Enterprise
key screen), change the app/bot selection, re-run every live check of the session.
"""

from __future__ import annotations

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from byok_tui import glyphs
from byok_tui.engine import apps as apps_step
from byok_tui.engine import confirm as confirm_step
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.copyfield import CopyField
from .widgets.health import HealthView
from .widgets.modals import ConfirmModal
from .widgets.rows import ColumnRows, bullet_rows, bullets
from .widgets.stepper import STEP_LABELS


def blocker(field: str, rule: str) -> str:
    """An engine.confirm.problems entry in the stepper's words: "Apps and bots: must pass its checks…"."""
    step = field.split(".")[0]
    return f"{STEP_LABELS.get(step, field)}: {rule}"


class ConfirmScreen(FlowScreen):
    """The last console step: review everything, Proceed, then manage.

    | Key | Page | Action |
    | :- | :- | :- |
    | p | summary | Proceed: write the final record and the hand-off bundle (asks first) |
    | b | checks | Back to the summary |
    | c | checks | Copy the record's path |
    | o | checks | Rotate the key (on the Enterprise key screen) |
    | s | checks | Change the app/bot selection |
    | v | checks | Re-run every live check of the session |
    """

    STEP = confirm_step.STEP
    STEP_ID = confirm_step.STEP_ID
    CSS_PATH = "steps.tcss"
    FORM_FOCUS = ""
    """Proceed gets the focus without scrolling the summary away (`watch_page`)."""
    ready_text = "the record is written"
    BINDINGS = [
        Binding("p", "proceed", "Proceed", id="proceed", tooltip="Write the final record and the hand-off bundle"),
        Binding("c", "copy", "Copy", id="copy", tooltip="Copy the final record's path"),
        Binding("o", "rotate", "Rotate", id="rotate", tooltip="Rotate the key (Enterprise key screen)"),
        Binding("s", "selection", "Apps", id="selection", tooltip="Change which apps and bots are encrypted"),
        Binding("v", "check_all", "All checks", id="check-all", tooltip="Re-run every live check of the session"),
    ]  # fmt: skip

    health_view = getters.query_one(HealthView)

    # --- the summary (form page) -----------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        yield Static("What Kore's console will hold", classes="section")
        yield ColumnRows(id="summary-rows")
        yield Static("Deselected: these stay on Kore's default key", classes="section")
        yield Static("", id="default-key-apps")
        yield Static("What happens when", classes="section")
        yield ColumnRows(id="timeline")
        yield Static("", id="blockers")
        with Horizontal(classes="actions"):
            yield Button("Proceed (p)", id="proceed", variant="warning", compact=True)

    async def on_mount(self) -> None:
        if self.has_page("result"):  # composed with the screen (a resumed step)
            await self.page_composed("result")
        self._render_summary(self.app.state)

    async def page_composed(self, page: str) -> None:
        await super().page_composed(page)
        if page == "result":
            self.query_one("#edit", Button).label = "Summary (b)"

    def _render_summary(self, state: WizardState) -> None:
        self.query_one("#summary-rows", ColumnRows).show_rows(
            (label, value or "—") for label, value in confirm_step.summary(state)
        )
        kept = apps_step.on_default_key(state)
        self.query_one("#default-key-apps", Static).update(
            Content(apps_step.names(kept) + ".") if kept
            else Content("None: every app and bot listed is encrypted with your key.")
        )  # fmt: skip
        timeline = confirm_step.timeline(state, self.app.clock().date())
        self.query_one("#timeline", ColumnRows).show_rows(bullet_rows(timeline))
        self._render_blockers(state)

    def _render_blockers(self, state: WizardState) -> None:
        found = confirm_step.problems(state)
        blockers = self.query_one("#blockers", Static)
        blockers.set_class(bool(found), "-shown")
        if found:
            text = "Before you can proceed:\n" + "\n".join(
                f"{glyphs.FAIL} {blocker(p.field, p.rule)}" for p in found
            )
            blockers.update(Content(text))
        self.query_one("#proceed", Button).disabled = False

    def _state_changed(self, state: WizardState) -> None:
        super()._state_changed(state)
        if self.page == "form":
            self._render_summary(state)

    def watch_page(self, page: str) -> None:
        super().watch_page(page)
        if page == "form":
            self.query_one("#proceed", Button).focus(scroll_visible=False)
        self.refresh_bindings()

    # --- proceed ---------------------------------------------------------------------------

    async def collect(self) -> WizardState | None:
        state = self.app.state
        found = confirm_step.problems(state)
        if found:
            self._render_blockers(state)
            self.refuse([(p.field, blocker(p.field, p.rule)) for p in found])
            return None
        return state

    @on(Button.Pressed, "#proceed")
    def action_proceed(self) -> None:
        self.review()

    def action_apply(self) -> None:  # "Retry (a)" after a failed write asks again, like Proceed
        self.review()

    @work(exclusive=True, group="review", exit_on_error=False)
    async def review(self) -> None:
        """Refuse while something blocks; otherwise ask once, then write the record (App-level apply)."""
        if self.app.applying:
            return
        candidate = await self.collect()
        if candidate is None:
            return
        chosen, total = apps_step.counts(candidate)
        changes = confirm_step.plan(candidate)
        body = (
            f"Kore.ai will encrypt {chosen:,} of {total:,} apps and bots with your key from "
            f"{candidate.enterprise_key.enforcement_date}; {total - chosen:,} stay on Kore's default key.\n\n"
            + "\n".join(f"{glyphs.BULLET} {c.title}" for c in changes)
            + "\n\nAfter the enforcement date only a key rotation or a change to the app/bot selection is "
            "allowed. Proceed?"
        )
        if not await self.app.push_screen_wait(
            ConfirmModal("Proceed with Bring Your Own Key", body, "Proceed")
        ):
            self.notify("No changes were made.", title="Proceed cancelled")
            return
        self.app.clear_notifications()
        self.changes = changes
        if not await self.compose_page("review"):
            return
        await self.plan_view.show_changes(changes)
        self.page = "review"
        self._start_apply()

    # --- the result page -------------------------------------------------------------------

    def compose_result(self) -> ComposeResult:
        state = self.app.state
        yield Static("What to do next", classes="section")
        yield bullets(confirm_step.NEXT_STEPS, numbered=True, id="next-steps")
        yield CopyField("Final record", state.confirm.record_path, id="copy-record")
        with Vertical(id="manage"):
            yield Static("Manage", classes="section")
            yield Static("After the enforcement date only these may change.", classes="purpose")
            with Horizontal(classes="actions"):
                yield Button("Rotate the key (o)", id="rotate", compact=True)
                yield Button("Change apps and bots (s)", id="selection", compact=True)
                yield Button("Re-run every check (v)", id="check-all", compact=True)
            yield HealthView()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """After the checks, show the page from its top (the verdict and what to do next), not the
        Next button that FlowScreen focused at the bottom."""
        if event.worker.group == "checks" and event.state == WorkerState.SUCCESS and self.page == "result":
            page = self.query_one("#result-page")
            self.call_after_refresh(page.scroll_home, animate=False)

    def refresh_result(self, state: WizardState) -> None:
        self.query_one("#copy-record", CopyField).set_value(state.confirm.record_path)
        self.query_one("#manage").display = bool(state.confirm.confirmed_at)

    def summary(self, state: WizardState) -> str:
        c = state.confirm
        if not c.confirmed_at:
            return "Not proceeded yet: press b for the summary, then Proceed (p)."
        chosen, total = apps_step.counts(state)
        return (
            f"Proceeded on {c.confirmed_at.replace('T', ' ')}. Kore encrypts {chosen:,} of {total:,} apps and "
            f"bots with your key from {state.enterprise_key.enforcement_date}."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "proceed":
            return self.page == "form" and (None if self.app.applying else True)
        if action == "review":
            return False  # Proceed is the review here
        if action in ("copy", "rotate", "selection", "check_all"):
            return self.page == "result" and bool(self.app.state.confirm.confirmed_at)
        return super().check_action(action, parameters)

    def action_copy(self) -> None:
        self.query_one("#copy-record", CopyField).action_copy()

    @on(Button.Pressed, "#rotate")
    def action_rotate(self) -> None:
        self.app.action_goto_step("enterprise_key")

    @on(Button.Pressed, "#selection")
    def action_selection(self) -> None:
        self.app.action_goto_step("apps")

    @on(Button.Pressed, "#check-all")
    def action_check_all(self) -> None:
        self.health_view.run()
