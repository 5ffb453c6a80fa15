"""Admin Console > Test Configuration: connectivity, authentication, encryption, decryption, live.

Read-only, so the screen opens on its results and runs the tests at once: first as you (the four
tests, each timed, with a remedy and the request id when it fails), then what Kore needs on its side
that can be seen from here, then, on the sandbox, the four tests again as Kore's service principal.
Encryption is performed by the vault itself (engine.test_configuration). Next stays dimmed until every
test passes; a key rotation clears the result, so the new version is tested before anything relies on it.
"""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from byok_tui import glyphs, validate
from byok_tui.engine import test_configuration as test_step
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.checks import CheckView


class TestRow(CheckView):
    """One test on a line of its own: status and name, the latency at the right; then what was seen,
    the fix when it fails, and the request id."""

    __test__ = False

    def compose(self) -> ComposeResult:
        result = self.result
        with Horizontal(classes="test-head"):
            yield Static(Content(f"{glyphs.status(result.status)} {result.title}"), classes="check-title")
            if self.timings and result.ms is not None:
                yield Static(f"{result.ms:.0f} ms", classes="test-ms")
        if result.detail:
            yield Static(Content(result.detail), classes="check-detail")
        if result.remedy and result.status in ("warn", "fail"):
            yield Static(Content(f"Fix: {result.remedy}"), classes="check-remedy")
        if result.request_id:
            yield Static(Content(f"request {result.request_id}"), classes="check-evidence")


class TestConfigurationScreen(FlowScreen):
    """The console's four tests, proven from here (and as Kore on the sandbox).

    | Key | Action |
    | :- | :- |
    | k | Run the tests again |
    | n | Next step (Apps and bots), once every test passes |
    | b | Back to the enterprise key |
    """

    __test__ = False  # not a pytest class, whatever its name says

    STEP = test_step.STEP
    STEP_ID = test_step.STEP_ID
    CSS_PATH = "test_configuration.tcss"
    HAS_FORM = False
    ready_text = "Kore can use your key"
    BINDINGS = [Binding("k", "recheck", "Run tests", id="recheck", tooltip="Run the four tests again")]

    def on_mount(self) -> None:  # FlowScreen.on_mount runs too (and starts the tests)
        self.checks.section_of = test_step.section_of
        self.checks.row = TestRow
        self.query_one("#recheck", Button).label = "Run tests (k)"

    def summary(self, state: WizardState) -> str:
        key_id = state.enterprise_key.key_identifier or state.vault.key_id
        parsed = validate.parse_key_identifier(key_id)
        if parsed is None:
            return "No key identifier is recorded yet: finish the enterprise key first (b)."
        version = f"version {parsed.version}" if parsed.version else "its latest version"
        lines = [f"Key {parsed.key_name} in {parsed.vault_name}, {version}; the vault itself encrypts."]
        if self.app.conn.impersonate is not None:
            lines.append("Sandbox: the four tests also run as Kore's service principal.")
        return "\n".join(lines)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """After a run, show the verdict, or the first failure, rather than the buttons at the bottom."""
        if event.worker.group != "checks" or event.state != WorkerState.SUCCESS:
            return
        # Nothing to apply here: having run is this step's "applied" (as the headless run records it),
        # so a resumed session goes past it once the tests pass.
        record = self.app.state.step(self.STEP_ID)
        if not record.applied and record.checked:
            self.app.set_state(
                self.app.state.with_step(self.STEP_ID, dataclasses.replace(record, applied=True))
            )
        # After the focus moved to Next (or Run tests) and scrolled there.
        self.call_after_refresh(self._show_outcome)

    def _show_outcome(self) -> None:
        page = self.query_one("#result-page")
        failing = [row for row in self.query(TestRow) if row.result.status == "fail"]
        if failing:
            page.scroll_to_widget(failing[0], animate=False, top=True)
        else:
            page.scroll_home(animate=False)
