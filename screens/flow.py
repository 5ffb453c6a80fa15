"""The shape every step screen shares: answers -> planned changes -> apply -> live checks.

A step screen subclasses `FlowScreen`, names its engine step in `STEP`, and supplies its form
(`compose_form` + `collect`) and what its result page shows (`compose_result`, `summary`,
`refresh_result`). Review, apply (in an App-level worker), the irreversible-change confirmation,
the checks worker, the verdict and the navigation live here once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, ProgressBar, RichLog, Static

from byok_tui import glyphs
from byok_tui.engine import runner, steps
from byok_tui.engine.model import Change, CheckResult, overall
from byok_tui.engine.step import Step
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

from .base import StepScreen
from .messages import ApplyFinished, ApplyProgress
from .widgets.checks import ChecksView
from .widgets.field import FieldMessage
from .widgets.marks import Tick
from .widgets.modals import ConfirmModal, ErrorModal
from .widgets.notes import ErrorNote
from .widgets.plan import PlanView


def step_number(step_id: str) -> str:
    """ "Step 2 · " for the guide's five steps, "" for sign-in and the console screens."""
    number = steps.listed(step_id).number
    return f"Step {number} {glyphs.SEP} " if number is not None else ""


class Page(VerticalScroll):
    """One page of a step screen (form, review, result): composes what its screen's method yields."""

    def __init__(self, content: Callable[[], ComposeResult], *, id: str) -> None:
        super().__init__(id=id)
        self.content = content

    def compose(self) -> ComposeResult:
        yield from self.content()


class FlowScreen(StepScreen):
    """A step with a form, a plan, an apply and checks.

    | Key | Page | Action |
    | :- | :- | :- |
    | r, ctrl+r | form | Review: validate the answers, then show the planned changes |
    | a | review | Apply the planned changes (irreversible ones ask first) |
    | z | review | Show or hide the az commands |
    | k | checks | Run the checks again |
    | b | review, checks | Back to the answers (disabled while applying) |
    | b, ctrl+left | form | Back to the previous step (a text field keeps these keys while it has the focus) |
    | n | any | Next step, once the checks pass |
    """

    STEP: ClassVar[Step]
    """The engine's step (`engine.steps`): its id, title, purpose and verbs."""
    FORM_FOCUS: ClassVar[str] = ""
    """Selector of the first field, focused when the form shows."""
    HAS_FORM: ClassVar[bool] = True
    """False for read-only steps (e.g. Test Configuration): they open on their checks."""

    BINDINGS = [
        Binding("r,ctrl+r", "review", "Review", id="review", key_display="r/^r",
                tooltip="Check the answers and show what will change (ctrl+r works inside a text field)"),
        Binding("a", "apply", "Apply", id="apply", tooltip="Make the planned changes"),
        Binding("z", "toggle_az", "az commands", id="toggle-az", tooltip="Show or hide the az commands"),
        Binding("k", "recheck", "Re-check", id="recheck", tooltip="Run the live checks again"),
    ]  # fmt: skip

    page: reactive[str] = reactive("form", bindings=True)
    """Which page shows: "form", "review" or "result"."""

    shell = getters.query_one("#shell", Horizontal)
    plan_view = getters.query_one(PlanView)
    apply_button = getters.query_one("#apply", Button)
    apply_bar = getters.query_one("#apply-bar", ProgressBar)
    apply_log = getters.query_one("#apply-log", RichLog)
    checks = getters.query_one(ChecksView)
    checks_note = getters.query_one("#checks-note", ErrorNote)

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[Change] = []
        """The plan shown on the review page: exactly what Apply will do."""
        self.apply_lines: list[str] = []
        """What the last apply reported, as its log shows it. The log draws a line only once it has a size, so a
        quick apply that ends on the result page leaves its lines undrawn until the review page is shown again."""
        self._composed: set[str] = set()
        """The pages composed so far ("form", "review", "result")."""
        self._composing: dict[str, asyncio.Event] = {}

    # --- what a step supplies ------------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        """The answers (under the title and purpose)."""
        yield from ()

    async def collect(self) -> WizardState | None:
        """The state with the form's answers, or None after showing what is wrong (focus the first)."""
        return self.app.state

    def compose_result(self) -> ComposeResult:
        """Extra widgets under the checks (recorded values to copy, next-step notes)."""
        yield from ()

    def summary(self, state: WizardState) -> str:
        """One or more lines above the checks saying what this step set up."""
        return ""

    def refresh_result(self, state: WizardState) -> None:
        """Update the result page's own widgets for a new state."""

    # --- layout --------------------------------------------------------------------------

    @property
    def title_text(self) -> str:
        return f"{step_number(self.STEP.id)}{self.STEP.title}"

    def compose_body(self) -> ComposeResult:
        # Only the page that shows first is composed with the screen; the others are composed the first time
        # they are shown (`compose_page`): mounting, styling and laying out hidden pages made every step
        # screen open slower (issue #17). A step resumed on its result composes its form too, for Back.
        # The pages are the shell's own children, one displayed at a time (`watch_page`), not wrapped in a
        # ContentSwitcher: the screen paints each container's every line, and a full-height switcher was one
        # more of those each time a step opened.
        first = self._first_page()
        pages = (["form"] if self.HAS_FORM else []) + (["result"] if first == "result" else [])
        for page in pages:
            self._composed.add(page)
            widget = self._page(page)
            widget.display = page == first
            yield widget

    def _first_page(self) -> str:
        return "result" if not self.HAS_FORM or self.app.state.step(self.STEP.id).applied else "form"

    def _page(self, page: str) -> Page:
        return Page(getattr(self, f"compose_{page}_page"), id=f"{page}-page")

    def compose_form_page(self) -> ComposeResult:
        yield Static(self.title_text, classes="step-title")
        yield Static(self.STEP.purpose, classes="purpose")
        yield from self.compose_form()

    def compose_review_page(self) -> ComposeResult:
        yield Static("Planned changes", classes="step-title")
        yield Static("", id="review-intro", classes="purpose")
        yield Tick("Show az commands (z)", True, id="show-az", compact=True)
        yield PlanView()
        with Horizontal(classes="actions"):
            yield Button("Back (b)", id="to-form", compact=True)
            yield Button("Apply (a)", id="apply", variant="warning", compact=True)
        with Vertical(id="apply-progress"):
            yield ProgressBar(total=1.0, show_eta=False, id="apply-bar")
            yield RichLog(id="apply-log", wrap=True, markup=False, highlight=False, min_width=20)

    def compose_result_page(self) -> ComposeResult:
        yield Static(self.title_text if not self.HAS_FORM else "Checks", classes="step-title")
        if not self.HAS_FORM:
            yield Static(self.STEP.purpose, classes="purpose")
        yield Static(self.summary(self.app.state), id="summary")
        yield Static("", id="verdict")
        yield ErrorNote(id="checks-note")
        yield ChecksView()
        yield from self.compose_result()
        with Horizontal(classes="actions"):
            if self.HAS_FORM:
                yield Button("Edit answers (b)", id="edit", compact=True)
            yield Button("Re-run checks (k)", id="recheck", compact=True)
            yield Button(
                "Next step (n)", id="next", variant="primary", compact=True, disabled=not self.passed
            )

    def has_page(self, page: str) -> bool:
        """The page is composed (mounted, maybe hidden; not while it is being mounted)."""
        return page in self._composed

    async def compose_page(self, page: str) -> bool:
        """Compose `page` if it is not yet (hidden; `page` shows it), then let the step fill it in. True
        once it is there; False if the screen is closing (an apply's last message as the App leaves)."""
        if page in self._composing:  # asked for twice (the page set, and a worker that fills it in)
            await self._composing[page].wait()
        if self.has_page(page):
            return self._still_there(page)
        try:
            shell = self.shell
        except NoMatches:
            return False
        if not shell.is_attached:
            return False
        self._composing[page] = composed = asyncio.Event()
        try:
            widget = self._page(page)
            widget.display = False  # shown when it becomes the current page (`watch_page`)
            await shell.mount(widget)
            self._composed.add(page)
            await self.page_composed(page)
        finally:
            composed.set()
            del self._composing[page]
        return self._still_there(page)

    def _still_there(self, page: str) -> bool:
        # Composed, yet gone if the screen was taken down meanwhile: a signal ends the App while an apply's
        # progress messages are still arriving (seen once in CI: NoMatches for the progress bar).
        return self.is_attached and bool(self.query(f"#{page}-page"))

    async def page_composed(self, page: str) -> None:
        """A page was composed after the screen (override to fill in a step's own parts of it)."""
        if page == "result":
            self._refresh_result_page(self.app.state)

    async def show_page(self, page: str) -> None:
        """Compose `page` if need be, then show it."""
        if await self.compose_page(page):
            self.page = page

    def on_mount(self) -> None:
        self.watch(self.app, "state", self._state_changed)
        self.watch(self.app, "applying", lambda _: self.refresh_bindings())
        if self._first_page() == "result":  # resume: show what was done and prove it again
            self.page = "result"
            self.run_checks()

    def _state_changed(self, state: WizardState) -> None:
        self.refresh_bindings()
        if self.has_page("result"):  # else filled in when it is composed
            self._refresh_result_page(state)

    def _refresh_result_page(self, state: WizardState) -> None:
        self.query_one("#next", Button).disabled = not self.passed
        self.query_one("#summary", Static).update(self.summary(state))
        self.refresh_result(state)

    def watch_page(self, page: str) -> None:
        if not self.has_page(page):  # set directly: compose it, then show it
            self.call_next(self._compose_and_show, page)
            return
        for shown in self.shell.query_children(Page):
            shown.display = shown.id == f"{page}-page"
        focus = {
            "form": self.FORM_FOCUS,
            "review": "#apply",
            "result": "#next" if self.passed else "#recheck",
        }
        # Not there if the screen closed while the page was being composed.
        if focus[page] and (target := self.query(focus[page])):
            # The results open at their top (run_checks scrolls home when they arrive); a deferred scroll
            # to a button below them would race with that and sometimes win.
            # A plan is read from its top, too (title, what Apply does): `a` applies from anywhere on it.
            target.first().focus(scroll_visible=page == "form")

    async def _compose_and_show(self, page: str) -> None:
        if await self.compose_page(page) and self.page == page:
            self.watch_page(page)

    @property
    def passed(self) -> bool:
        record = self.app.state.step(self.STEP.id)
        return (record.applied or not self.HAS_FORM) and record.checked in ("pass", "warn")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        busy = self.app.applying
        if action == "next":
            return True if self.passed else None
        if action == "back":
            if not self.HAS_FORM:
                return True
            return None if busy else True  # on the form: the previous step (the stepper is hidden at 80x24)
        if action == "review":
            return self.page == "form" and self.HAS_FORM
        if action == "apply":
            # Hidden while it runs: a key that cannot be pressed again would push `? Help` off an 80-column
            # footer (waiting for consent has the most keys).
            return self.page == "review" and not busy
        if action == "toggle_az":
            return (None if busy else True) if self.page == "review" else False
        if action == "recheck":
            return self.page == "result"
        return True

    # --- review --------------------------------------------------------------------------

    @on(Button.Pressed, "#review")
    def action_review(self) -> None:
        self.review()

    @work(exclusive=True, group="review", exit_on_error=False)
    async def review(self) -> None:
        """Validate the answers, record them, show the plan."""
        candidate = await self.collect()
        if candidate is None:
            return
        self.app.clear_notifications()  # earlier "fix this first" toasts no longer apply
        self.app.set_state(candidate)
        try:
            # Against Azure as it is now: what exists is adopted, and a plan the operator could start but
            # not finish is refused here, before anything irreversible.
            self.changes = await runner.survey(self.STEP, candidate, self.app.conn)
        except ByokError as exc:
            self.app.push_screen(ErrorModal(exc, context="Nothing was changed"))
            return
        intro = runner.review_intro(candidate, self.STEP.id, self.changes)
        if not await self.compose_page("review"):
            return
        self.query_one("#review-intro", Static).update(intro)
        await self.plan_view.show_changes(self.changes)
        self.query_one("#apply-progress").display = False
        self.apply_button.label = "Apply (a)"  # a new plan: an earlier "Retry" no longer applies
        review_page = self.query_one("#review-page", VerticalScroll)
        review_page.anchor(False)  # a new plan is read from its top, not from an earlier apply's progress
        review_page.scroll_home(animate=False)
        self.page = "review"

    def refuse(self, problems: list[tuple[str, str]]) -> None:
        """Tell the operator every problem at once: (field, message) pairs.

        The form has focused the first bad field and shows each message under its field. One problem needs
        nothing more: a toast would only repeat it, over the message itself on a short form. Several get one
        toast that lists them all; the first bad field goes to the top of the view, away from the toasts
        (bottom right)."""
        if not problems:
            return
        if len(problems) == 1 and self._shown_under_its_field(*problems[0]):
            self.app.bell()
        else:
            title = (
                "Review: fix this first" if len(problems) == 1 else f"Review: fix these {len(problems)} first"
            )
            self.notify("\n".join(f"{glyphs.BULLET} {message}" for _, message in problems), title=title,
                        severity="error")  # fmt: skip
        focused = self.focused
        if focused is not None:
            self.call_after_refresh(focused.scroll_visible, top=True, animate=False)

    def _shown_under_its_field(self, field: str, message: str) -> bool:
        """Whether `message` is on screen under a field already (a step-level problem has no field line)."""
        return any(
            line.has_class("-shown") and message in str(line.content) for line in self.query(FieldMessage)
        )

    @on(Checkbox.Changed, "#show-az")
    def _az_toggled(self, event: Checkbox.Changed) -> None:
        self.plan_view.show_az = event.value

    def action_toggle_az(self) -> None:
        box = self.query_one("#show-az", Checkbox)
        box.value = not box.value

    # --- apply ---------------------------------------------------------------------------

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        if self.app.applying:
            return
        risky = [c for c in self.changes if c.irreversible or c.destructive]
        if not risky:
            self._start_apply()
            return
        lines = [f"{glyphs.BULLET} {c.title}" + (f"\n  {c.detail}" if c.detail else "") for c in risky]
        what = "irreversible" if any(c.irreversible for c in risky) else "restrictive"
        body = "\n".join(lines) + "\n\nApply the planned changes?"
        self.app.push_screen(ConfirmModal(f"This change is {what}", body, "Apply"), self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._start_apply()
        else:
            self.notify("No changes were made.", title="Apply cancelled")

    def _start_apply(self) -> None:
        self.app.clear_notifications()
        self.query_one("#apply-progress").display = True
        self.apply_bar.update(progress=0)
        self.apply_log.clear()
        self.apply_lines = []
        self.apply_button.disabled = True
        self.app.start_apply(self.STEP, self.changes, self)
        # The progress is the page's last part: anchored, the page stays scrolled to its end at every layout
        # while the log grows (until the operator scrolls), so the screen never looks frozen. A scroll asked
        # for after a refresh instead raced with the layout (the log wraps a frame after it is written) and,
        # on a failed apply, with the ErrorModal: a screen behind a modal runs no more of those, so the page
        # behind the error sat at its top or at its progress, run to run.
        self.query_one("#review-page", VerticalScroll).anchor()

    async def on_apply_progress(self, message: ApplyProgress) -> None:
        # Composed already, unless the apply was started by other means than this screen's Review.
        if not await self.compose_page("review"):
            return
        if message.fraction is not None:
            self.apply_bar.update(progress=message.fraction)
        self._log(f"{message.stamp} {message.message}")  # in view: the page is anchored

    def _log(self, line: str) -> None:
        """One line in the apply log (and `apply_lines`)."""
        self.apply_lines.append(line)
        self.apply_log.write(line)

    async def on_apply_finished(self, message: ApplyFinished) -> None:
        if not await self.compose_page("review"):
            return
        self.apply_button.disabled = False
        if message.error is not None:
            self.apply_button.label = "Retry (a)"
            self._log(f"{glyphs.FAIL} {message.error.title}")
            # After the next layout: the log then has its size and its lines, and the page behind the modal
            # (which lays out no more while covered) shows how far the apply got and the line that failed.
            self.call_after_refresh(self.app.push_screen, ErrorModal(message.error, context="Apply stopped"))
            return
        await self.show_page("result")
        self.run_checks()

    # --- checks --------------------------------------------------------------------------

    @on(Button.Pressed, "#recheck")
    def action_recheck(self) -> None:
        self.run_checks()

    @work(exclusive=True, group="checks", exit_on_error=False)
    async def run_checks(self) -> None:
        """Live, read-only proof of this step."""
        app = self.app
        if not await self.compose_page("result"):
            return
        self.checks_note.show_error(None)
        self._verdict("Running the live checks…", "")
        self.checks.loading = True
        try:
            state, results = await runner.run_checks(
                self.STEP, app.state, app.conn, app.session, now=app.clock()
            )
        except ByokError as exc:
            self._verdict(f"{glyphs.FAIL} The checks could not run.", "fail")
            self.checks_note.show_error(exc)
            return
        finally:
            self.checks.loading = False
        # The checks ran on the state as it was when they started; while Azure answered, the operator may
        # have changed it (a selection written on leaving the previous screen). Keep that: add only the
        # checks' record, and save again if the runner saved an older state.
        current = app.state.with_step(self.STEP.id, state.step(self.STEP.id))
        app.set_state(current, save=current != state)
        self._verdict(*verdict(results, self.ready_text))
        await self.checks.show_results(results, timings=app.show_timings)
        # Always open the results at their top (the verdict first), whatever their length: focusing a
        # button below would scroll to wherever it happens to be laid out.
        self.query_one("#result-page", VerticalScroll).scroll_home(animate=False)
        self.query_one("#next" if self.passed else "#recheck").focus(scroll_visible=False)

    def why_not_next(self) -> str:
        record = self.app.state.step(self.STEP.id)
        if self.app.applying:
            return "The changes are still being applied; Next opens once their checks pass."
        if self.page == "form" and not record.applied:
            return "Fill in this step, then Review (r) and Apply (a): Next opens once its checks pass."
        if self.page == "review":
            return "Apply (a) the planned changes first: Next opens once their checks pass."
        if record.checked == "fail":
            return "Some checks fail: fix what they say, then re-run them (k). Next opens once they pass."
        return "The checks have not passed yet: run them (k). Next opens once they pass."

    ready_text: ClassVar[str] = "this step is done"
    """Ends the all-pass verdict: "✓ All 9 checks pass: <ready_text> (n: next step)."."""

    def _verdict(self, text: str, status: str) -> None:
        line = self.query_one("#verdict", Static)
        line.set_classes(f"-{status}" if status else "")
        line.update(text)

    # --- navigation ----------------------------------------------------------------------

    @on(Button.Pressed, "#to-form, #edit")
    def action_back(self) -> None:
        if not self.HAS_FORM or self.page == "form":
            super().action_back()
            return
        if self.app.applying:
            return
        self.page = "form"

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()


def verdict(results: list[CheckResult], ready: str) -> tuple[str, str]:
    """One line above the results: how many passed, and what to do next."""
    status = overall(results)
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "warn", "fail")}
    if status == "fail":
        return (
            f"{glyphs.FAIL} {counts['fail']} of {len(results)} checks fail: fix what they say, then re-run (k).",
            status,
        )
    if status == "skip":
        return f"{glyphs.SKIP} Nothing could be checked yet: finish the steps this one depends on.", ""
    if status == "warn":
        return (
            f"{glyphs.WARN} All checks pass, {counts['warn']} with a warning: read it, then go on (n).",
            status,
        )
    passed = "The check passes" if len(results) == 1 else f"All {len(results)} checks pass"
    return f"{glyphs.PASS} {passed}: {ready} (n: next step).", status


__all__ = ["FlowScreen", "step_number", "verdict"]
