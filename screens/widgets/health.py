"""Every live check of the session at once ("re-run every check"), grouped by step.

One line per step (its glyph, title and how many checks pass); only what needs attention is shown in
full (warnings and failures, with their fix), so thirty passing checks stay a short list. The checks
run in an exclusive worker here (they only read); the outcome is recorded in the state, so the stepper
shows it too. Used by the Confirm screen (Manage) and the Validation screen.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import ProgressBar, Static

from byok_tui import glyphs
from byok_tui.engine import health
from byok_tui.engine.model import CheckResult, overall

from ..wizard import wizard_app
from .checks import CheckView


class StepHealth(Vertical):
    """One step's line, then its warnings and failures in full."""

    DEFAULT_CSS = """
    StepHealth {
        height: auto;
        .health-step { text-style: bold; }
        &.-pass .health-step { color: $text-success; }
        &.-warn .health-step { color: $text-warning; }
        &.-fail .health-step { color: $text-error; }
        &.-skip .health-step { color: $text-muted; text-style: none; }
        CheckView { padding-left: 2; margin-bottom: 0; }
    }
    """

    def __init__(self, step_id: str, results: list[CheckResult], timings: bool) -> None:
        self.status = overall(results)
        super().__init__(classes=f"-{self.status}")
        self.step_id = step_id
        self.results = results
        self.timings = timings

    def compose(self) -> ComposeResult:
        results = self.results
        counted = [r for r in results if r.status != "skip"]
        passed = sum(r.status == "pass" for r in counted)
        if counted:
            tally = f"{passed} of {len(counted)} pass"
        else:
            tally = results[0].title.lower() if results else "nothing to check"
        line = f"{glyphs.status(self.status)} {health.title(self.step_id)}: {tally}"
        yield Static(Content(line), classes="health-step")
        for result in results:
            if result.status in ("warn", "fail"):
                yield CheckView(result, self.timings)


class HealthView(Vertical):
    """The combined list; `run()` (re)runs every check. Hidden until the first run."""

    app = wizard_app

    DEFAULT_CSS = """
    HealthView {
        height: auto;
        display: none;
        &.-shown { display: block; }
        #health-verdict { text-style: bold; margin: 1 0; }
        #health-verdict.-pass { color: $text-success; }
        #health-verdict.-warn { color: $text-warning; }
        #health-verdict.-fail { color: $text-error; }
        #health-bar { display: none; }
        &.-running #health-bar { display: block; }
        #health-list { height: auto; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="health-verdict")
        yield ProgressBar(total=1.0, show_eta=False, id="health-bar")
        yield Vertical(id="health-list")

    @work(exclusive=True, group="health", exit_on_error=False)
    async def run(self) -> list[health.Outcome]:
        """Run every live check of the session and show them; record each step's outcome in the state."""
        app = self.app
        verdict = self.query_one("#health-verdict", Static)
        bar = self.query_one("#health-bar", ProgressBar)
        self.add_class("-shown", "-running")
        verdict.set_classes("")
        bar.update(progress=0)

        def progress(message: str, fraction: float | None = None) -> None:
            verdict.update(message)
            if fraction is not None:
                bar.update(progress=fraction)

        try:
            outcomes = await health.check_all(app.state, app.conn, progress=progress, now=app.clock())
        finally:
            self.remove_class("-running")
        app.set_state(health.with_outcomes(app.state, outcomes))
        await self.show(outcomes)
        return outcomes

    async def show(self, outcomes: list[health.Outcome]) -> None:
        timings = self.app.show_timings
        status = health.worst(outcomes)
        checked = [o for o in outcomes if any(r.status != "skip" for r in o[1])]
        failing = sum(overall(r) == "fail" for _, r in checked)
        text = {
            "fail": f"{glyphs.FAIL} {failing} of {len(checked)} steps have a failing check: fix what they say, then re-run.",
            "warn": f"! All {len(checked)} steps pass, some with a warning: read them.",
            "pass": f"{glyphs.PASS} Every live check of all {len(checked)} steps passes.",
        }.get(status, f"{glyphs.SKIP} Nothing was set up in this session yet, so nothing could be checked.")
        verdict = self.query_one("#health-verdict", Static)
        verdict.set_classes(f"-{status}")
        verdict.update(text)
        listing = self.query_one("#health-list", Vertical)
        await listing.remove_children()
        await listing.mount_all(StepHealth(step_id, results, timings) for step_id, results in outcomes)
        self.call_after_refresh(self.scroll_visible, top=True, animate=False)
