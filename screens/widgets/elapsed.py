"""A busy line for long applies: a spinner, the latest progress message and the seconds waited.

Role assignments can take minutes to reach Key Vault's data plane; the log says what happens, this line
says that something still happens, and for how long.
"""

from __future__ import annotations

import re
import time

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from byok_tui import glyphs

_STALE_COUNT = re.compile(r"\s*\(\d+ s\b[^)]*\)")
"""A count in a progress line, e.g. "(6 s of up to 600 s)": the live counter replaces it."""


class Elapsed(Static):
    """Hidden until `start`; `say` changes the message; `stop` freezes the line with a final word.

    The seconds come from `time.monotonic` (the wall clock may jump); snapshots never show a running one.
    """

    DEFAULT_CSS = """
    Elapsed {
        display: none;
        height: auto;
        color: $text-accent;
        &.-running, &.-done { display: block; }
        &.-done { color: $text-muted; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._started = 0.0
        self._message = ""
        self._frame = 0
        self._timer: Timer | None = None

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self._started)

    def start(self, message: str = "Working…") -> None:
        self._started = time.monotonic()
        self._message = message
        self.set_classes("-running")
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._tick)
        else:
            self._timer.resume()
        self._tick()

    def say(self, message: str) -> None:
        self._message = _STALE_COUNT.sub("", message)
        if self.has_class("-running"):
            self._tick()

    def stop(self, message: str) -> None:
        if self._timer is not None:
            self._timer.pause()
        self.set_classes("-done")
        self.update(Content(f"{message} after {self.seconds} s."))

    def _tick(self) -> None:
        frames = glyphs.SPINNER
        self._frame = (self._frame + 1) % len(frames)
        self.update(Content(f"{frames[self._frame]} {self._message}  {glyphs.SEP} {self.seconds} s so far"))
