"""Request ids of the Azure calls made in the current task, for the audit journal.

Adapters report every response's request id here; the runner collects them around one change so the
journal can say which Azure request made (or adopted) it. A ContextVar keeps concurrent tasks apart.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_collected: ContextVar[list[str] | None] = ContextVar("byok_request_ids", default=None)


def report(request_id: str) -> None:
    bucket = _collected.get()
    if bucket is not None and request_id:
        bucket.append(request_id)


@contextlib.contextmanager
def collect() -> Iterator[list[str]]:
    bucket: list[str] = []
    token = _collected.set(bucket)
    try:
        yield bucket
    finally:
        _collected.reset(token)
