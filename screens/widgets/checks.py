"""Check results: each live validation with its status glyph, what was seen, and what to do."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from byok_tui import glyphs
from byok_tui.engine.model import CheckResult


def evidence(result: CheckResult, timings: bool = True) -> str:
    """What proves the result, shown dim: `request 1a2b… · 42 ms`."""
    parts = []
    if result.request_id:
        parts.append(f"request {result.request_id}")
    if timings and result.ms is not None:
        parts.append(f"{result.ms:.0f} ms")
    return f" {glyphs.SEP} ".join(parts)


class CheckView(Vertical):
    """One result. The status is both a glyph and a class (`-pass`, `-warn`, `-fail`, `-skip`)."""

    DEFAULT_CSS = """
    CheckView {
        height: auto;
        margin-bottom: 1;
        .check-title { text-style: bold; }
        &.-pass .check-title { color: $text-success; }
        &.-warn .check-title { color: $text-warning; }
        &.-fail .check-title { color: $text-error; }
        &.-skip .check-title { color: $text-muted; }
        .check-detail { padding-left: 2; }
        .check-remedy { padding-left: 2; color: $text-warning; }
        .check-evidence { padding-left: 2; color: $text-muted; }
    }
    """

    def __init__(self, result: CheckResult, timings: bool = True) -> None:
        super().__init__(classes=f"-{result.status}")
        self.result = result
        self.timings = timings

    def compose(self) -> ComposeResult:
        result = self.result
        yield Static(Content(f"{glyphs.status(result.status)} {result.title}"), classes="check-title")
        if result.detail:
            yield Static(Content(result.detail), classes="check-detail")
        if result.remedy and result.status in ("warn", "fail"):
            yield Static(Content(f"Fix: {result.remedy}"), classes="check-remedy")
        proof = evidence(result, self.timings)
        if proof:
            yield Static(Content(proof), classes="check-evidence")


class ChecksView(Vertical):
    """The list of results; `timings=False` leaves latencies out (snapshot tests).

    Set `section_of` (result -> heading) to group the results under headings, in the order they come,
    and `row` to draw each result with a CheckView subclass of the screen's own.
    """

    DEFAULT_CSS = """
    ChecksView {
        height: auto;
        .checks-section { text-style: bold; color: $text-accent; margin-bottom: 1; }
    }
    """

    def __init__(self, *, section_of: Callable[[CheckResult], str] | None = None,
                 row: type[CheckView] = CheckView, **kwargs) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.section_of = section_of
        """Heading for a result ("" for none); None shows one flat list."""
        self.row = row
        """The widget that draws one result."""

    async def show_results(self, results: list[CheckResult], timings: bool = True) -> None:
        await self.remove_children()
        widgets: list[Static | CheckView] = []
        heading = ""
        for result in results:
            section = self.section_of(result) if self.section_of else ""
            if section and section != heading:
                widgets.append(Static(Content(section), classes="checks-section"))
            heading = section
            widgets.append(self.row(result, timings))
        await self.mount_all(widgets)
