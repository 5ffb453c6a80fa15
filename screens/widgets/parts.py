"""One widget that draws a short stack of styled parts, for the long lists of results and changes (#17).

A check result or a planned change used to be a container of three to seven Statics (and a change
nested two containers deep). A page of them was mostly layout work: Textual resolved the box model and
the auto height of every nested Static on each page switch. `PartsView` draws the same parts from ONE
widget, cell for cell as the Statics did: each part is styled by a component class of the widget's CSS
(colour, text style, `padding-left`/`padding-right` for its hanging indent, `display: none` to hide
it), and is wrapped by Textual's own Content rendering at the width the Static had.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widget import Widget


class PartsView(Widget):
    """Base of a widget drawn as parts; a subclass implements `draw(width)` with `part_lines`.

    What is drawn is kept in the Visual that `render()` returns, which Textual drops on every refresh
    (a resize, a restyle, `invalidate()`), so the layout's height and the paint share one drawing.
    """

    DEFAULT_CSS = """
    PartsView { height: auto; }
    """

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

    def invalidate(self) -> None:
        """The data changed: draw again, and lay out again (the height may change)."""
        self.refresh(layout=True)

    @property
    def drawn_lines(self) -> list[str]:
        """The text of each line as drawn at the current width (what the operator sees)."""
        return [strip.text for strip in self.draw(self.content_size.width)] if self.content_size.width else []

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
        lines = Visual.to_strips(self, content, inner, None, self.get_visual_style(component))
        if not lines:
            lines = [Strip([])]
        out = []
        for line in lines:
            line = line.adjust_cell_length(inner, pad)
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
        self.drawn: tuple[int, list[Strip]] | None = None

    def strips(self, width: int) -> list[Strip]:
        if self.drawn is None or self.drawn[0] != width:
            self.drawn = (width, self.view.draw(width) if width > 0 else [])
        return self.drawn[1]

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        strips = self.strips(width)
        return strips if height is None else strips[:height]

    def get_optimal_width(self, rules, container_width: int) -> int:
        return container_width

    def get_height(self, rules, width: int) -> int:
        return len(self.strips(width))
