"""One widget that draws a short stack of styled parts, for the long lists of results and changes (#17).

A check result or a planned change used to be a container of three to seven Statics (and a change
nested two containers deep). A page of them was mostly layout work: Textual resolved the box model and
the auto height of every nested Static on each page switch. `PartsView` draws the same parts from ONE
widget, cell for cell as the Statics did: each part is styled by a component class of the widget's CSS
(colour, text style, `padding-left`/`padding-right` for its hanging indent, `display: none` to hide
it), and is wrapped by Textual's own Content rendering at the width the Static had.
"""

from __future__ import annotations

from typing import Self

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.geometry import Region
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget


class PartsView(Widget):
    """Base of a widget drawn as parts; a subclass implements `draw(width)` with `part_lines`.

    What is drawn is kept, for the last two widths (a layout tries one with and one without a
    scrollbar), until the data (`invalidate()`), the widget's style or background, its selection or
    its component classes' styles change (Textual repaints it then, see `refresh`). Textual asks a
    widget's height several times in one layout and drops its Visual each time: drawing each time
    cost most of what one widget instead of several saved.
    """

    DEFAULT_CSS = """
    PartsView { height: auto; }
    """

    _drawn: dict[int, tuple[tuple, list[Strip]]] | None = None
    """width -> (key, strips) of the last drawings."""
    _generation = 0
    """Counts what may make a drawing stale that the key cannot see (data, a restyle)."""

    def parts(self) -> list[tuple[str, Content]]:
        """(component class, text) of each part, top to bottom."""
        raise NotImplementedError

    def draw(self, width: int) -> list[Strip]:
        """Every line of the widget at `width` cells (its content width)."""
        raise NotImplementedError

    def part(self, component: str) -> str:
        """The text of the first part in `component` ("" if there is none)."""
        return next((str(text) for name, text in self.parts() if name == component), "")

    @property
    def texts(self) -> list[str]:
        """Every part's text, top to bottom (what a container of Statics used to hold)."""
        return [str(text) for _, text in self.parts()]

    def render(self) -> Visual:
        return _Drawn(self)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        # Mouse selection and copy as from the Statics: a cell's offset is its place in its part's text
        # (not in the wrapped, indented line), the parts' lines numbered on from one part to the next.
        return selection.extract("\n".join(self._text_lines)), "\n"

    def invalidate(self) -> None:
        """The data changed: draw again, and lay out again (the height may change)."""
        self._generation += 1
        self.refresh(layout=True)

    def notify_style_update(self) -> None:
        self._generation += 1
        super().notify_style_update()

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        # A repaint alone is how Textual says the component classes' styles (or the selection) changed;
        # a layout refresh is a new size (the width is in the key), not a new look.
        if repaint and not layout:
            self._generation += 1
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def strips(self, width: int) -> list[Strip]:
        """Every line drawn at `width`, with the selection shown; kept while nothing it shows changes."""
        selection = self.text_selection
        key = (self._generation, self.visual_style, self.background_colors, selection)
        drawn = self._drawn if self._drawn is not None else {}
        if width in drawn and drawn[width][0] == key:
            return drawn[width][1]
        lines = self._draw(width)
        if selection is not None:
            styles = self.screen.get_component_styles("screen--selection")
            # Blended over the widget's background, as Content blends it for a Static.
            background = Style(background=self.background_colors[1])
            selected = (background + Style.from_styles(styles)).rich_style
            lines = [_select(line, selection, selected) for line in lines]
        kept = {w: d for w, d in drawn.items() if d[0] == key}
        self._drawn = {**dict(list(kept.items())[-1:]), width: (key, lines)}
        return lines

    @property
    def drawn_lines(self) -> list[str]:
        """The text of each line as drawn at the current width (what the operator sees)."""
        return [strip.text for strip in self._draw(self.content_size.width)]

    def _draw(self, width: int) -> list[Strip]:
        self._text_lines: list[str] = []  # the parts' lines, as part_lines draws them, for a selection
        return self.draw(width) if width > 0 else []

    # --- helpers for draw() ---------------------------------------------------------------------------

    def shown(self, component: str) -> bool:
        """False when the CSS hides the part (`display: none` on its component class)."""
        return self.get_component_styles(component).display != "none"

    def blank_style(self) -> RichStyle:
        """The style of cells no part covers (as an empty container draws them)."""
        return RichStyle.from_color(bgcolor=self.background_colors[1].rich_color)

    def pad_style(self) -> RichStyle:
        """The style of a part's padding and of the cells after its text (as a Static pads them)."""
        background = self.background_colors[1]
        return Style(background=background + background).rich_style

    def part_lines(self, component: str, content: Content, width: int) -> list[Strip]:
        """`content` in the style of `component`, wrapped as a Static of `width` cells would wrap it
        (inside the component's left and right padding), every line exactly `width` cells."""
        styles = self.get_component_styles(component)
        left, right = styles.padding.left, styles.padding.right
        inner = width - left - right
        if inner <= 0:
            return []
        pad = self.pad_style()
        style = self.get_visual_style(component)
        lines = Visual.to_strips(self, content, inner, None, style, apply_selection=False)
        if not lines:
            lines = [Strip([])]
        first = len(self._text_lines)
        self._text_lines += content.plain.split("\n")
        out = []
        for line in lines:
            line = _offset_lines(line, first).adjust_cell_length(inner, pad)
            if left or right:
                segments = list(line)
                if left:
                    segments.insert(0, Segment(" " * left, pad))
                if right:
                    segments.append(Segment(" " * right, pad))
                line = Strip(segments, width)
            out.append(line)
        return out


class _Drawn(Visual):
    """The Visual a PartsView renders: its strips, at the width Textual lays it out."""

    def __init__(self, view: PartsView) -> None:
        self.view = view

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        strips = self.view.strips(width)
        return strips if height is None else strips[:height]

    def get_optimal_width(self, rules, container_width: int) -> int:
        return container_width

    def get_height(self, rules, width: int) -> int:
        return len(self.view.strips(width))


def _offset_lines(line: Strip, first: int) -> Strip:
    """`line` of a part whose text starts at line `first` of the widget's text: its cells' offsets (where
    a mouse selection starts and ends; meta, not drawn) moved down by `first` lines."""
    if not first:
        return line
    segments = []
    for text, style, control in line:
        offset = style.meta.get("offset") if style is not None else None
        if offset is not None:
            style += RichStyle.from_meta({"offset": (offset[0], offset[1] + first)})
        segments.append(Segment(text, style, control))
    return Strip(segments, line.cell_length)


def _select(line: Strip, selection: Selection, selected: RichStyle) -> Strip:
    """`line` with the selected characters (by their offsets) in the `selected` style, over their own."""
    segments = []
    for segment in line:
        text, style, control = segment
        offset = style.meta.get("offset") if style is not None else None
        span = selection.get_span(offset[1]) if offset is not None else None
        if span is None:
            segments.append(segment)
            continue
        x = offset[0]
        start, end = span
        start = max(start - x, 0)
        end = len(text) if end == -1 else min(end - x, len(text))
        if start >= end:
            segments.append(segment)
            continue
        for cut, piece, piece_style in (
            (0, text[:start], style),
            (start, text[start:end], style + selected),
            (end, text[end:], style),
        ):
            if piece:
                moved = RichStyle.from_meta({"offset": (x + cut, offset[1])})
                segments.append(Segment(piece, piece_style + moved, control))
    return Strip(segments, line.cell_length)
