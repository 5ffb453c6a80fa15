"""Speed bought with Textual's internals: the only place in byok-tui that uses them, behind a switch.

The rest of the product uses Textual's public API only (`tests/unit/test_textual_public_api.py` fails if
a private Textual name appears outside this package). What is here makes the UI smoother on a small
machine, and nothing here is needed for it to work: with it off, the wizard is stock Textual.

- `component_styles`: a widget keeps its component classes' "virtual" nodes across restyles, instead of
  making about fifty objects in cycles per restyle for the full garbage collector to free;
- `css_preload`: every screen's stylesheet is parsed in a thread after the first frame, so opening a step
  screen for the first time parses nothing on the event loop;
- `paint`: a step screen's first paint after a layout is rendered over the next few turns of the event
  loop, so keys and timers run in between.

One entry point, `install(app)`, called once by the App when it mounts. It installs nothing when:

- the environment says `BYOK_TUI_PERF=off` (also `0`, `no`, `false`), or
- the installed Textual is not one of `TESTED_TEXTUAL`: these parts reach into how Textual works inside,
  which any release may change; on another version the wizard runs as stock Textual (and logs why).

Garbage-collector tuning (`byok_tui.idle_gc`) uses Python's public `gc` module, not Textual: it is not
part of this package and stays on either way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

ENV = "BYOK_TUI_PERF"
"""Environment variable: `off` (or 0, no, false) runs the wizard on stock Textual only."""
OFF_VALUES = frozenset({"off", "0", "no", "false"})
TESTED_TEXTUAL = frozenset({"8.2.8"})
"""Textual releases these parts were written against and tested on (tests/tui/test_perf_*.py). Exact
versions: a patch release may change an internal too."""


@dataclass(frozen=True)
class Decision:
    """Whether the Textual-internal parts run, and why (logged at debug level; the App keeps it as `app.perf`)."""

    enabled: bool
    reason: str


def decide(environ: Mapping[str, str] | None = None, textual_version: str | None = None) -> Decision:
    """Whether to install the Textual-internal parts, from the switch and Textual's version."""
    environ = os.environ if environ is None else environ
    setting = environ.get(ENV, "").strip().lower()
    if setting in OFF_VALUES:
        return Decision(False, f"{ENV}={setting}: stock Textual")
    version = textual_version if textual_version is not None else installed_textual()
    if version not in TESTED_TEXTUAL:
        tested = ", ".join(sorted(TESTED_TEXTUAL))
        return Decision(
            False, f"Textual {version} is not a version these parts were tested on ({tested}): stock Textual"
        )
    return Decision(True, f"on (Textual {version})")


def installed_textual() -> str:
    # Imported here: importlib.metadata (email, zipfile, csv...) is 13 ms, paid before the first frame at
    # module level even when the switch says off.
    from importlib import metadata

    try:
        return metadata.version("textual")
    except metadata.PackageNotFoundError:  # run from a source tree without metadata: not a tested version
        return "unknown"


def install(app: Any, decision: Decision | None = None) -> Decision:
    """Install the Textual-internal parts into a running `app` (call once, from its `on_mount`, before it
    shows a screen), unless `decide` says not to. Returns the decision."""
    decision = decision if decision is not None else decide()
    logger.debug("performance package: %s", decision.reason)
    if not decision.enabled:
        return decision
    from . import component_styles, css_preload, paint

    component_styles.install(app)
    first: list[bool] = []

    def screen_changed(screen: Any) -> None:
        paint.split(screen)
        if not first:  # every stylesheet, parsed in a thread once the first screen is on screen
            first.append(True)
            screen.call_after_refresh(css_preload.start, app)

    # Immediately, not posted: the signal comes as a screen is pushed, before its first layout.
    app.screen_change_signal.subscribe(app, screen_changed, immediate=True)
    return decision
