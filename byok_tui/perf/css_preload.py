"""Every stylesheet the wizard will need, read and parsed once, off the event loop, after the first frame.

Textual reads CSS lazily. A screen whose CSS_PATH (or `CSS`) the App has not read yet makes
`App._load_screen_css` re-parse every source and restyle the whole DOM (~55 ms, on the event loop); a
widget class mounted for the first time adds its DEFAULT_CSS, and the next style update parses every
source again (~23 ms). Over one wizard flow those were the longest stalls that were not garbage
collections. `start` (called once the first frame is drawn) adds all those sources to the App's
stylesheet at once: the parse runs in a thread, the loop thread only swaps the parsed rules in and
restyles what exists. Afterwards Textual finds every source already read, so opening a step screen or
mounting a widget parses nothing.

What is read, in this order (see "Order" below):

- the screens the App shows: every step screen of `registry.SCREENS` (built as the App builds them, so
  that a path a screen adds in `__init__` is included), then the help
  screen and the modals (confirm, error, QR), whose CSS_PATH is resolved from the class as
  `Screen.__init__` resolves it; for each, its CSS_PATH files and its `CSS`, keyed, scoped and ordered
  as `App._load_screen_css` would add them;
- the DEFAULT_CSS of the widget classes those screens can mount, exactly as `DOMNode._get_default_css`
  gives it for an instance (location, tie breaker, scope), for each class and the bases it inherits CSS
  from.

Which widget classes: a screen's widgets are built in `compose`, so they cannot be listed without
building the screen. They are the Widget subclasses its module imports or defines, though. So from each
screen class, this follows module globals: every Widget subclass in the module of a class already
found, for modules of this package (`byok_tui.*`) and Textual's widget modules (`textual.widgets._*`,
whose globals name the parts a widget composes: Select's overlay, ProgressBar's bar, Footer's keys)
and `textual.command` (the command palette). Screens import some widgets inside the function that uses
them (Sign-in's device-code panel), so every Widget class defined under `byok_tui.screens` is a root
too, and so are the widgets Textual mounts by itself: the loading indicator, tooltips, toasts and the
command palette. On one whole flow this finds every class the App mounted (65) and 27 it did not;
Textual's other modules (`textual.app`, `textual.widget`) are not followed: their globals name nearly
every widget Textual has. A widget class found nowhere still works: Textual adds its CSS when it is
first mounted, as before (one parse, of that source only: see `build`).

A class found but never mounted costs only its rules in the stylesheet. It can change one thing: Textual
gives a base class's DEFAULT_CSS the lowest tie breaker of the subclasses it has seen, so a deeper
subclass lowers it. Along one chain of bases the order of tie breakers stays the same, so a node's own
class still beats its bases; only rules of unrelated classes with equal specificity could swap, and
`tests/tui/test_css_preload.py` checks that every step screen gets the same styles either way.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import pkgutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path, PurePath
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from textual._path import _css_path_type_as_list
from textual.css.stylesheet import CssSource, Stylesheet
from textual.dom import DOMNode
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

logger = logging.getLogger(__name__)

ATTEMPTS = 3
"""Parses to try when the App's stylesheet changes while one runs (a screen opened meanwhile)."""

WALKED = ("byok_tui.", "textual.widgets._", "textual.command")
"""Modules whose globals are followed to find the widget classes a screen mounts (see the docstring)."""

Sources = dict[tuple[str, str], CssSource]


def start(app: App[Any]) -> None:
    """Preload in an App worker (call once the first frame is drawn); failures only log."""
    app.run_worker(preload(app), name="css-preload", group="css-preload", exit_on_error=False,
                   description="Reading every screen's stylesheet")  # fmt: skip


async def preload(app: App[Any]) -> bool:
    """Parse every source the App will need in a thread, then swap the rules into `app.stylesheet`.

    Returns False when nothing was swapped: the App then reads CSS lazily, as without this module.
    """
    started = time.perf_counter()
    cache = None
    for attempt in range(1, ATTEMPTS + 1):
        stylesheet = app.stylesheet
        seen = stylesheet.source.copy()
        variables = dict(stylesheet._variables)
        try:
            parsed = await asyncio.to_thread(build, seen, variables, cache)
        except Exception:  # a bad stylesheet then fails as without this module: when its screen opens
            logger.exception("CSS preload failed; stylesheets load when first needed")
            return False
        # The thread parsed a copy: swap only if nothing was added (or the theme changed) since it was taken,
        # or rules read meanwhile would be lost. Else parse again with what is there now; the parse cache
        # keeps what the last attempt parsed, so only the new sources are parsed.
        if app.stylesheet is stylesheet and stylesheet.source == seen and stylesheet._variables == variables:
            swap(app, parsed)
            logger.debug("CSS preloaded: %d sources in %.0f ms (attempt %d)", len(parsed.source),
                         (time.perf_counter() - started) * 1000, attempt)  # fmt: skip
            return True
        cache = parsed._parse_cache if stylesheet._variables == variables else None
    logger.debug("CSS preload gave up: the stylesheet kept changing")
    return False


def build(seen: Sources, variables: dict[str, str], cache: Any = None) -> Stylesheet:
    """A parsed Stylesheet: the sources `seen` (in their order), then every source `wanted` that is not in it.

    Runs in a thread: it imports the screens, reads the files and parses; it touches no live node.
    """
    sheet = Stylesheet(variables=variables)
    sheet.source = dict(seen)
    # Order: what the App has read stays first, as it is. New sources follow screen by screen in the guide's
    # order (the order an operator first opens them, so the order lazy loading adds them on a straight walk
    # through the steps): the screen's files and CSS, then the DEFAULT_CSS of the classes first found from
    # it. Lazy loading adds a screen's own DEFAULT_CSS just before its files, not after: that cannot tie,
    # since user CSS always outranks DEFAULT_CSS in Textual (the first element of its specificity).
    for kind, *args in wanted():
        if kind == "file":
            (path,) = args
            if not sheet.has_source(str(path), ""):  # the key `_load_screen_css` looks for
                sheet.read(path)
        else:
            css, read_from, is_default, tie_breaker, scope = args
            sheet.add_source(css, read_from=read_from, is_default_css=is_default, tie_breaker=tie_breaker,
                             scope=scope)  # fmt: skip
    if cache is not None:
        sheet._parse_cache = cache
    # Large enough for every source: a later parse (a widget no screen imports, mounted for the first time)
    # then re-parses only that widget's CSS; Textual's 64 would evict in a cycle and re-parse all of them.
    sheet._parse_cache.grow(2 * len(sheet.source))
    sheet.parse()
    return sheet


def swap(app: App[Any], parsed: Stylesheet) -> None:
    """Give `app.stylesheet` the parsed sources and rules, then restyle the DOM as `App.refresh_css` does,
    without its re-parse. The App keeps its stylesheet object (byok_tui.perf.component_styles subclasses it)."""
    stylesheet = app.stylesheet
    stylesheet.source = parsed.source
    stylesheet._rules = parsed.rules
    stylesheet._rules_map = None
    stylesheet._require_parse = False
    stylesheet._parse_cache = parsed._parse_cache
    # New rules that match live nodes would apply from now on; a well-scoped stylesheet has none, so no style
    # changes. Nodes whose rules do change are refreshed by `replace_rules`, so no full layout is forced.
    stylesheet.update(app)
    for screen in app.screen_stack:
        if screen is not app.screen:
            stylesheet.update(screen)


# --- what to read ---------------------------------------------------------------------------------------


def wanted() -> Iterator[tuple[Any, ...]]:
    """("file", path) and ("css", css, read_from, is_default, tie_breaker, scope), in the order to add them."""
    found: dict[type[Widget], None] = {}
    walked: set[str] = set()
    for screen in screens():
        cls = type(screen) if not isinstance(screen, type) else screen
        for path in css_paths(screen):
            yield ("file", path)
        if cls.CSS:
            yield (
                "css",
                cls.CSS,
                screen_css_location(cls),
                False,
                0,
                cls._css_type_name if cls.SCOPED_CSS else "",
            )
        for widget in _widget_classes(cls, found, walked):
            for read_from, css, tie_breaker, scope in default_css(widget):
                yield ("css", css, read_from, True, tie_breaker, scope)
    # Screens import some widgets where they use them (not before the first frame): their modules' globals
    # miss those, so every widget this package defines is a root too, after the screens.
    for widget in [*_package_widgets(), *_on_demand_widgets()]:
        for found_widget in _widget_classes(widget, found, walked):
            for read_from, css, tie_breaker, scope in default_css(found_widget):
                yield ("css", css, read_from, True, tie_breaker, scope)


def screens() -> list[Screen[Any] | type[Screen[Any]]]:
    """The step screens as the App builds them (their css_path may differ from the class's), in the guide's
    order; then the screens built with arguments, as classes."""
    from byok_tui.screens import registry
    from byok_tui.screens.help import HelpScreen
    from byok_tui.screens.widgets.modals import ConfirmModal, ErrorModal
    from byok_tui.screens.widgets.qr import QRModal

    built: list[Screen[Any] | type[Screen[Any]]] = [
        registry.screen_for(step) for step in registry.built_steps()
    ]
    return [*built, HelpScreen, ConfirmModal, ErrorModal, QRModal]


def css_paths(screen: Screen[Any] | type[Screen[Any]]) -> list[PurePath]:
    """The screen's CSS files as `Screen.__init__` resolves them (`screen.css_path` for an instance)."""
    if not isinstance(screen, type):
        return list(screen.css_path)
    if screen.CSS_PATH is None:
        return []
    return [_relative_to_class(path, screen) for path in _css_path_type_as_list(screen.CSS_PATH)]


def _relative_to_class(path: PurePath, cls: type) -> PurePath:
    """`textual._path._make_path_object_relative`, for a class rather than an instance."""
    if Path(path).is_absolute():
        return Path(path)
    base = getattr(cls, "_BASE_PATH", None)
    return ((Path(base) if base is not None else Path(inspect.getfile(cls))).parent / path).resolve()


def screen_css_location(cls: type[Screen[Any]]) -> tuple[str, str]:
    """Where `App._load_screen_css` says a screen's `CSS` comes from."""
    try:
        path = inspect.getfile(cls)
    except (TypeError, OSError):
        path = ""
    return (path, f"{cls.__name__}.CSS")


def default_css(cls: type[DOMNode]) -> list[tuple[tuple[str, str], str, int, str]]:
    """`DOMNode._get_default_css` for an instance of `cls`, without one: it only reads `_node_bases`."""
    stand_in = SimpleNamespace(_node_bases=DOMNode._css_bases(cls))
    return DOMNode._get_default_css(stand_in)  # type: ignore[arg-type]


def _package_widgets() -> list[type[Widget]]:
    """The Widget classes defined in `byok_tui.screens` and its subpackages, module by module (sorted)."""
    from byok_tui import screens

    names = sorted(info.name for info in pkgutil.walk_packages(screens.__path__, f"{screens.__name__}."))
    return [
        value
        for module in map(importlib.import_module, names)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Widget) and value.__module__ == module.__name__
    ]


def _on_demand_widgets() -> list[type[Widget]]:
    """What Textual mounts by itself: loading indicators, tooltips, toasts, the command palette."""
    from textual.command import CommandPalette
    from textual.widgets import LoadingIndicator, Tooltip
    from textual.widgets._toast import Toast, ToastRack

    return [LoadingIndicator, Tooltip, ToastRack, Toast, CommandPalette]


def _widget_classes(
    root: type[Widget], found: dict[type[Widget], None], walked: set[str]
) -> list[type[Widget]]:
    """`root` and the Widget classes reached from it through module globals that are not in `found` yet
    (added to it), depth first, in the order the modules name them (deterministic: import order)."""
    new: list[type[Widget]] = []
    stack = [root]
    while stack:
        cls = stack.pop()
        if cls in found:
            continue
        found[cls] = None
        new.append(cls)
        module = cls.__module__
        if module.startswith(WALKED) and module not in walked and module in sys.modules:
            walked.add(module)
            named = [
                v for v in vars(sys.modules[module]).values() if isinstance(v, type) and issubclass(v, Widget)
            ]
            stack.extend(reversed(named))
    return new
