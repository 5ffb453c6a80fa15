"""Check results: each live validation with its status glyph, what was seen, and what to do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from byok_tui.engine.model import CheckResult

GLYPHS = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "–"}


def evidence(result: CheckResult, timings: bool = True) -> str:
    """What proves the result, shown dim: `request 1a2b… · 42 ms`."""
    parts = []
    if result.request_id:
        parts.append(f"request {result.request_id}")
    if timings and result.ms is not None:
        parts.append(f"{result.ms:.0f} ms")
    return " · ".join(parts)


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
        yield Static(Content(f"{GLYPHS.get(result.status, '?')} {result.title}"), classes="check-title")
        if result.detail:
            yield Static(Content(result.detail), classes="check-detail")
        if result.remedy and result.status in ("warn", "fail"):
            yield Static(Content(f"Fix: {result.remedy}"), classes="check-remedy")
        proof = evidence(result, self.timings)
        if proof:
            yield Static(Content(proof), classes="check-evidence")


class ChecksView(Vertical):
    """The list of results; `timings=False` leaves latencies out (snapshot tests)."""

    DEFAULT_CSS = """
    ChecksView { height: auto; }
    """

    async def show_results(self, results: list[CheckResult], timings: bool = True) -> None:
        await self.remove_children()
        await self.mount_all(CheckView(result, timings) for result in results)
