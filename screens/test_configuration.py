"""Admin Console > Test Configuration: connectivity, authentication, encryption, decryption, live.

Read-only, so the screen opens on its results and runs the tests at once: first as you (the four
tests, each timed, with a remedy and the request id when it fails), then what Kore needs on its side
that can be seen from here, then, on the sandbox, the four tests again as Kore's service principal.
Encryption is performed by the vault itself (engine.test_configuration). Next stays dimmed until every
test passes; a key rotation clears the result, so the new version is tested before anything relies on it.
"""

from __future__ import annotations

import dataclasses

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Button
from textual.worker import Worker, WorkerState

from byok_tui import validate
from byok_tui.engine import test_configuration as test_step
from byok_tui.state import WizardState

from .flow import FlowScreen
from .widgets.checks import CheckView


class TestRow(CheckView):
    """One test on a line of its own: status and name, the latency at the right; then what was seen,
    the fix when it fails, and the request id. One widget (#17): the head line is the title, cut to
    one line, and the latency in `test-ms` (styled in test_configuration.tcss)."""

    __test__ = False

    COMPONENT_CLASSES = CheckView.COMPONENT_CLASSES | {"test-ms"}

    def latency(self) -> str:
        """The latency shown at the right of the head line ("" when timings are off or unknown)."""
        result = self.result
        return f"{result.ms:.0f} ms" if self.timings and result.ms is not None else ""

    def evidence(self) -> str:
        return f"request {self.result.request_id}" if self.result.request_id else ""

    def draw(self, width: int) -> list[Strip]:
        (_, title), *rest = self.parts()
        latency = self.latency()
        if latency:
            padding = self.get_component_styles("test-ms").padding
            latency_width = min(width, cell_len(latency) + padding.left + padding.right)
            head = self.part_lines("check-title", title, width - latency_width)[:1]
            head += self.part_lines("test-ms", Content(latency), latency_width)[:1]
            lines = [Strip.join(head)]
        else:
            lines = self.part_lines("check-title", title, width)[:1]
        for component, text in rest:
            lines += self.part_lines(component, text, width)
        return lines

    @property
    def texts(self) -> list[str]:
        """Every part's text in the order drawn (the latency after the title)."""
        texts = super().texts
        return [texts[0], self.latency(), *texts[1:]] if self.latency() else texts


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
    CSS_PATH = "steps.tcss"
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
