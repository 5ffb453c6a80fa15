"""Token requests that survive a passing failure (throttling, 5xx, a reset connection)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

TRANSIENT_TOKEN_ERRORS = ("429", "500", "502", "503", "504", "timed out", "timeout", "connection reset",
                          "temporarily unavailable", "too many requests")  # fmt: skip


class ResilientCredential:
    """Retries a token request that failed for a passing reason.

    azure-core's bearer policy does not retry a failed token request, so one throttled call to Entra
    would stop a whole step. Refusals (wrong tenant, consent missing, bad secret) are raised at once.
    `sleep` waits between attempts (the connection's: instant in the in-process sandbox).
    """

    def __init__(
        self,
        credential: Any,
        attempts: int = 4,
        first_delay: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._credential = credential
        self._attempts = attempts
        self._first_delay = first_delay
        self._sleep = sleep

    async def _retry(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from azure.core.exceptions import ClientAuthenticationError

        delay = self._first_delay
        for attempt in range(self._attempts):
            try:
                return await getattr(self._credential, method)(*args, **kwargs)
            except ClientAuthenticationError as exc:
                transient = any(word in str(exc).lower() for word in TRANSIENT_TOKEN_ERRORS)
                if not transient or attempt == self._attempts - 1:
                    raise
                await self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return await self._retry("get_token", *scopes, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # get_token_info only where the wrapped credential has it: azure-core checks with hasattr.
        if name == "get_token_info" and hasattr(self._credential, "get_token_info"):
            return lambda *scopes, **kwargs: self._retry("get_token_info", *scopes, **kwargs)
        raise AttributeError(name)

    async def close(self) -> None:
        close = getattr(self._credential, "close", None)
        if close:
            await close()
