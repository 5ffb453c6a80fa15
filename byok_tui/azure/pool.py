"""One HTTP connection pool per live session, shared by every SDK client: azure-core's and Graph's.

Each adapter call builds a fresh SDK client for `async with` (so cancellation always closes it). Left to
itself each client would open its own aiohttp session, which means a new TCP and TLS handshake to ARM
or the vault for every call: 50-150 ms each from a jump host far from the region. Here the clients get
transports over one shared session that they do not own, so closing a client leaves the pool open and
the next call reuses a warm connection. The session is closed once, with the Connection.

Microsoft Graph (msgraph, over httpx) gets the same treatment from `SharedHttpx`; Kore's API listing
uses it too.
"""

from __future__ import annotations

import functools
from typing import Any

from byok_tui.azure import netconfig


class SharedSession:
    """A `Connection.transport_factory`: each call returns a transport over the same aiohttp session.

    The session is created on first use, inside the running event loop that owns it (aiohttp binds a
    session to its loop), with the settings azure-core gives its own sessions.
    """

    def __init__(self, **connection_config: Any) -> None:
        self._config = connection_config
        self._session: Any = None

    def __call__(self) -> Any:
        import aiohttp
        from azure.core.pipeline.transport import AioHttpTransport

        if self._session is None or self._session.closed:
            # The same settings as azure-core's own session: proxies from the environment, no cookies,
            # and bodies left compressed for the SDK's decoder.
            # The SSL context is made now, not taken from aiohttp's import-time default, so SSL_CERT_FILE
            # set before the session starts is honoured (netconfig.py).
            self._session = aiohttp.ClientSession(
                trust_env=True, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
                connector=aiohttp.TCPConnector(ssl=netconfig.ssl_context()),
            )  # fmt: skip
        return AioHttpTransport(session=self._session, session_owner=False, **self._config)

    @property
    def is_open(self) -> bool:
        return self._session is not None and not self._session.closed

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class SharedHttpx:
    """A `Connection.graph_transport_factory`: each call returns a transport over one httpx connection pool,
    which a client's `aclose()` leaves open.

    httpx reads the proxy variables only when a client builds its own transport; a client handed a transport
    (as msgraph and the Kore client are) would ignore `HTTPS_PROXY` and resolve Graph directly, which a jump
    host behind a company proxy cannot. So the pool routes each request itself: through a proxied pool when
    the environment names a proxy for its URL (and NO_PROXY does not exempt the host), else directly.
    """

    def __init__(self) -> None:
        self._pools: dict[str | None, Any] = {}

    def __call__(self) -> Any:
        return _borrowed_transport()(self)

    def pool_for(self, url: str) -> Any:
        """The pool a request to `url` goes through (made on first use, one per proxy)."""
        import httpx

        proxy = netconfig.proxy_for(url)
        pool = self._pools.get(proxy)
        if pool is None:
            context = netconfig.ssl_context()
            pool = self._pools[proxy] = httpx.AsyncHTTPTransport(verify=context, proxy=proxy)
        return pool

    @property
    def is_open(self) -> bool:
        return bool(self._pools)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


@functools.cache
def _borrowed_transport() -> type:
    import httpx  # defined on first use: httpx is not loaded at start-up

    class Borrowed(httpx.AsyncBaseTransport):
        """Sends through a shared pool; closing it (as `AsyncClient.aclose` does) leaves the pool open."""

        def __init__(self, shared: SharedHttpx) -> None:
            self._shared = shared

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await self._shared.pool_for(str(request.url)).handle_async_request(request)

        async def aclose(self) -> None:
            pass

    return Borrowed


async def close(factory: Any) -> None:
    """Close a transport factory's shared session, if it has one (the sandbox's factories do not)."""
    aclose = getattr(factory, "aclose", None)
    if aclose is not None:
        await aclose()
