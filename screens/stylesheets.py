"""Every step screen's stylesheet read once, in a thread, after the first frame: stock Textual's public API.

Textual reads a screen's CSS_PATH when the screen is first shown, and then `Stylesheet.reparse()`s every
source from scratch (a fresh stylesheet, an empty parse cache) and restyles the whole App, on the event
loop: 20-45 ms for each step screen's first open on the wizard's ~40-60 sources, once per screen, a
stall each time (issue #17). Here, once the first screen is on screen, a worker thread builds each step
screen as the App would (so a path a screen adds in `__init__` is included; this also
imports the step modules off the loop), reads their files into a copy of the App's stylesheet and parses
it; the loop then swaps the copy in and restyles what exists, as Textual's own CSS hot reload does
(`App._on_css_change`: `stylesheet.copy()`, `read_all`, `parse`, assign, `update`). Afterwards each
step screen finds its files already read and opening it parses nothing.

Only where the performance package is off: `byok_tui.perf.css_preload` does this and more (widgets'
default CSS) when it is on. The files are added in the guide's order, as `css_preload` adds them, so
the rules come in the order the snapshot tests see. Widgets' DEFAULT_CSS still arrives when a widget
class is first mounted: an incremental parse that hits Textual's parse cache for every other source.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.css.stylesheet import Stylesheet

logger = logging.getLogger(__name__)

ATTEMPTS = 3
"""Parses to try when the App's stylesheet changes while one runs (a widget class mounted meanwhile)."""


def start(app: App[Any]) -> None:
    """Read every step screen's CSS in an App worker (call once the first frame is drawn); failures only log."""
    app.run_worker(preload(app), name="css-read", group="css-read", exit_on_error=False,
                   description="Reading every step screen's stylesheet")  # fmt: skip


async def preload(app: App[Any]) -> bool:
    """Read and parse in a thread, then swap the stylesheet in. False when nothing was swapped (the App then
    reads each screen's CSS when it first shows it, as stock Textual does)."""
    for attempt in range(1, ATTEMPTS + 1):
        current = app.stylesheet
        sheet = current.copy()  # the sources, in their order; parsed from scratch in the thread
        variables = app.get_css_variables()
        try:
            added = await asyncio.to_thread(_read_and_parse, sheet)
        except Exception:  # a bad stylesheet then fails as without this: when its screen opens
            logger.exception("reading the step screens' CSS failed; each is read when its screen opens")
            return False
        if not added:
            return False
        # Swap only if nothing was added to the App's stylesheet (nor the theme changed) while the thread
        # parsed: else those rules would be lost. Then try again from what is there now.
        if (
            app.stylesheet is current
            and current.source == _without(sheet.source, added)
            and (app.get_css_variables() == variables)
        ):
            app.stylesheet = sheet
            sheet.update(app)
            for screen in app.screen_stack:
                if screen is not app.screen:
                    sheet.update(screen)
            logger.debug("step screens' CSS read: %d files (attempt %d)", len(added), attempt)
            return True
    logger.debug("step screens' CSS not preloaded: the stylesheet kept changing")
    return False


def css_files() -> list[Path]:
    """The CSS files of every step screen, as the App builds them, in the guide's order."""
    from byok_tui.screens import registry

    files: list[Path] = []
    for step_id in registry.built_steps():
        for path in registry.screen_for(step_id).css_path:
            if Path(path) not in files:
                files.append(Path(path))
    return files


def _read_and_parse(sheet: Stylesheet) -> list[tuple[str, str]]:
    """Runs in a thread: builds screens (touching no live node), reads their files into `sheet` and
    parses it. Returns the source keys it added."""
    added = []
    for path in css_files():
        key = (str(path), "")  # the key `App._load_screen_css` looks for (`has_source`)
        if not sheet.has_source(*key):
            sheet.read(path)
            added.append(key)
    if added:
        sheet.parse()
    return added


def _without(source: dict[tuple[str, str], Any], keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    return {key: value for key, value in source.items() if key not in keys}
