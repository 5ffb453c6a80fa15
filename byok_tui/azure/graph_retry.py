"""kiota's retry handler for Microsoft Graph, its waits asked of the connection (`Connection.sleep`).

kiota's `RetryHandler` waits with `asyncio.sleep` itself and has no option to wait any other way, so on the
in-process sandbox every throttled Graph request waited out its Retry-After for real (2 s to 4 s a test).
Here kiota still decides everything (which statuses and methods, how many attempts, Retry-After or its
back-off, giving up at 180 s, the Retry-Attempt header): `ConnectionRetryHandler` only takes the wait kiota
chose off its hands (kiota then waits 0 s) and leaves it on the request, and `WaitBeforeResend`, the next
middleware, waits it out through the connection before the request goes out again. On live Azure that is
`asyncio.sleep`, the same wait stock kiota makes.

Imported only when a Graph client is built (kiota is not loaded at start-up).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.middleware import BaseMiddleware
from kiota_http.middleware.options import RetryHandlerOption

PENDING_WAIT = "byok_tui.graph_retry_wait"
"""The request extension holding the wait kiota chose before it resends the request."""


class ConnectionRetryHandler(RetryHandler):
    """kiota's RetryHandler, except that its wait before a resend is made by `WaitBeforeResend`."""

    async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
        try:
            return await super().send(request, transport)
        finally:
            # kiota works out a wait after every answer, a successful or redirected one too: one it did
            # not resend for must not follow a redirect (kiota's RedirectHandler copies the extensions).
            request.extensions.pop(PENDING_WAIT, None)

    def get_delay_time(
        self,
        retry_count: int,
        response: httpx.Response | None = None,
        delay: float = RetryHandlerOption.DEFAULT_DELAY,
    ) -> float:
        wait = super().get_delay_time(retry_count, response, delay)
        if response is None or wait >= RetryHandlerOption.MAX_DELAY:
            return wait  # kiota does not retry after a wait this long: let it see the wait and give up
        # kiota reads the attempt number from `response.request` and resends that same request object.
        response.request.extensions[PENDING_WAIT] = wait
        return 0.0


class WaitBeforeResend(BaseMiddleware):
    """Waits, through `sleep`, what `ConnectionRetryHandler` left on a request it is resending."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        super().__init__()
        self._sleep = sleep

    async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
        wait = request.extensions.pop(PENDING_WAIT, None)
        if wait:
            await self._sleep(wait)
        return await super().send(request, transport)


def waits_through(
    middleware: list[BaseMiddleware], sleep: Callable[[float], Awaitable[None]]
) -> list[BaseMiddleware]:
    """`middleware` with each kiota RetryHandler made a `ConnectionRetryHandler` (same options) followed by
    its `WaitBeforeResend(sleep)`; everything else as it was, in its place."""
    chain: list[BaseMiddleware] = []
    for handler in middleware:
        if type(handler) is RetryHandler:
            chain += [ConnectionRetryHandler(options=handler.options), WaitBeforeResend(sleep)]
        else:
            chain.append(handler)
    return chain
