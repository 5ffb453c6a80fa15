"""Check results: each live validation with its status glyph, what was seen, and what to do."""

from __future__ import annotations

from collections.abc import Callable

from textual.containers import Vertical
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Static

from byok_tui import glyphs
from byok_tui.engine.model import CheckResult

from .parts import PartsView


def evidence(result: CheckResult, timings: bool = True) -> str:
    """What proves the result, shown dim: `request 1a2b… · 42 ms`."""
    parts = []
    if result.request_id:
        parts.append(f"request {result.request_id}")
    if timings and result.ms is not None:
        parts.append(f"{result.ms:.0f} ms")
    return f" {glyphs.SEP} ".join(parts)


class CheckView(PartsView):
    """One result. The status is both a glyph and a class (`-pass`, `-warn`, `-fail`, `-skip`).

    Drawn as one widget (#17): the title, then what was seen, the fix and the evidence, each in its
    component class (`check-title`, `check-detail`, `check-remedy`, `check-evidence`), whose padding
    gives the hanging indent. `part()` and `texts` read what it shows.
    """

    COMPONENT_CLASSES = {"check-title", "check-detail", "check-remedy", "check-evidence"}

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

    def parts(self) -> list[tuple[str, Content]]:
        """(component class, text) of each part, top to bottom."""
        result = self.result
        parts = [("check-title", Content(f"{glyphs.status(result.status)} {result.title}"))]
        if result.detail:
            parts.append(("check-detail", Content(result.detail)))
        if result.remedy and result.status in ("warn", "fail"):
            parts.append(("check-remedy", Content(f"Fix: {result.remedy}")))
        proof = self.evidence()
        if proof:
            parts.append(("check-evidence", Content(proof)))
        return parts

    def evidence(self) -> str:
        return evidence(self.result, self.timings)

    def draw(self, width: int) -> list[Strip]:
        lines: list[Strip] = []
        for component, text in self.parts():
            lines += self.part_lines(component, text, width)
        return lines


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
