"""Two-column rows drawn by one widget: bullet lists and label/value facts (#17).

A bullet or a fact used to be a Horizontal of a fixed-width Label and a `1fr` Static: three widgets and a
nested auto height per line, so a summary of ten facts and a few bullets was mostly layout work when its
page opened. `ColumnRows` draws the same cells itself: the left text in its column, the right text from
where the column ends, the wrapped lines of each hanging in its own column.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from textual.content import Content
from textual.strip import Strip

from byok_tui import glyphs

from .parts import PartsView


class ColumnRows(PartsView):
    """Rows of (left, right) text.

    Component classes: `row-left` (its style; its padding-left indents the rows) and `row-right` (its style;
    its padding-left is where the right column starts, counted from the widget's left edge). A row is as
    tall as the taller of its two texts.
    """

    COMPONENT_CLASSES = {"row-left", "row-right"}

    DEFAULT_CSS = """
    ColumnRows {
        height: auto;
        .row-right { padding-left: 4; }
    }
    """

    def __init__(self, rows: Iterable[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = [(left, right) for left, right in rows]

    def show_rows(self, rows: Iterable[tuple[str, str]]) -> None:
        """Draw these rows instead."""
        self.rows = [(left, right) for left, right in rows]
        self.invalidate()

    def parts(self) -> list[tuple[str, Content]]:
        return [
            part
            for left, right in self.rows
            for part in (("row-left", Content(left)), ("row-right", Content(right)))
        ]

    def draw(self, width: int) -> list[Strip]:
        start = min(self.get_component_styles("row-right").padding.left, width)
        blank = self.blank_style()
        lines: list[Strip] = []
        for left, right in self.rows:
            lefts = self.part_lines("row-left", Content(left), start) if start else []
            rights = [line.crop(start, width) for line in self.part_lines("row-right", Content(right), width)]
            for n in range(max(len(lefts), len(rights))):
                # Under the shorter column, the cells an empty container would draw.
                cells = [lefts[n] if n < len(lefts) else Strip([Segment(" " * start, blank)], start)]
                if width > start:
                    cells.append(
                        rights[n] if n < len(rights) else Strip([Segment(" " * (width - start), blank)])
                    )
                lines.append(Strip.join(cells))
        return lines


def bullet_rows(lines: Iterable[str], numbered: bool = False) -> list[tuple[str, str]]:
    """(mark, line) for each line: a bullet, or its number."""
    return [(f"{n}." if numbered else glyphs.BULLET, line) for n, line in enumerate(lines, 1)]


def bullets(lines: Iterable[str], numbered: bool = False, **kwargs) -> ColumnRows:
    """One row per line, the mark in its own column so wrapped text hangs under the text, not the mark."""
    return ColumnRows(bullet_rows(lines, numbered), **kwargs)
