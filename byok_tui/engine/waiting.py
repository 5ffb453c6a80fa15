"""Waiting out Azure's eventual consistency with visible progress instead of failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from byok_tui.engine.model import Progress
from byok_tui.errors import AzureError

T = TypeVar("T")

# Azure documents up to 10 minutes for role assignments to reach the Key Vault data plane.
PROPAGATION_TIMEOUT_S = 600.0
PROPAGATION_CODES = frozenset({"ForbiddenByRbac", "PrincipalNotFound"})


async def retry_while_propagating(
    call: Callable[[], Awaitable[T]],
    progress: Progress,
    what: str,
    *,
    codes: frozenset[str] = PROPAGATION_CODES,
    timeout: float = PROPAGATION_TIMEOUT_S,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run `call`; while it fails with a propagation error, back off and try again until `timeout`."""
    start = clock()
    delay = 2.0
    while True:
        try:
            return await call()
        except AzureError as exc:
            waited = clock() - start
            if exc.code not in codes or waited + delay > timeout:
                raise
            progress(f"Waiting for {what} to propagate ({int(waited)} s of up to {int(timeout)} s)…", None)
            await sleep(delay)
            delay = min(delay * 2, 30.0)
