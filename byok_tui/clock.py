"""The one clock every date rule reads: enforcement lock, key expiry, "not expiring soon", journal times.

`now()` is the wall clock (UTC) unless a source is set: tests freeze it with `frozen(...)`, and the App
sets its own clock (`build_app(clock=...)`) while it runs, so its screens, its apply path and the
engine's checks all see the same day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

Source = Callable[[], dt.datetime]

_source: Source | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    current = _source() if _source is not None else dt.datetime.now(dt.UTC)
    if current.tzinfo is None:
        current = current.replace(tzinfo=dt.UTC)
    return current.astimezone(dt.UTC)


def today() -> dt.date:
    """Today's date in UTC, the date every rule is decided by."""
    return now().date()


def set_source(source: Source | None) -> Source | None:
    """Read the time from `source` from now on (None: the wall clock); returns the previous source."""
    global _source
    previous, _source = _source, source
    return previous


@contextlib.contextmanager
def use(source: Source | None) -> Iterator[None]:
    previous = set_source(source)
    try:
        yield
    finally:
        set_source(previous)


def frozen(at: dt.datetime | dt.date) -> contextlib.AbstractContextManager[None]:
    """Stop the clock at `at` (a date means noon UTC that day) for the `with` block."""
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(12, 0), dt.UTC)
    fixed = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return use(lambda: fixed)
