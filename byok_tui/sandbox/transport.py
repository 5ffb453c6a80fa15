"""The transports that answer in-process: azure-core's for the Azure SDKs (azure-wire §1), httpx's for
msgraph-sdk and Kore's API (§8.1).

Every SDK client accepts a transport; these hand each request to the sandbox and wrap the reply in a fully
buffered response. Closing a transport only marks it closed: the world it serves belongs to the Sandbox, so
one client closing its transport never breaks another.

Network failures are raised as the exceptions each stack raises for real: a name that does not resolve is
`ServiceRequestError` / `httpx.ConnectError`, a connection reset is `ServiceResponseError` / `httpx.ReadError`.

The sandbox stands for a remote service, so it answers on its own thread (`RemoteLoop`), as a server
would: the caller's event loop only waits for the reply, and the sandbox's CPU work (RSA key generation,
signing, JSON of 5,000 bots, saving its world) never freezes the UI that called it. Requests reach that
thread in the order they are sent, so injected faults stay deterministic.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import AsyncHttpTransport, HttpTransport
from azure.core.rest import AsyncHttpResponse, HttpResponse
from azure.core.utils import case_insensitive_dict

SERVER_NICENESS = 10
"""How much lower than the thread that started it the sandbox's thread is scheduled (added to its `nice`; an
unprivileged thread may only lower its own priority)."""

Wire = tuple[int, dict[str, str], bytes]
Dispatch = Callable[[str, str, list[tuple[str, str]], bytes], Wire | Awaitable[Wire]]
"""(method, url, headers, body) -> (status, headers, body), or an awaitable of it; may raise
`HostUnreachable` or `ConnectionDropped` (or azure-core's own errors)."""


class HostUnreachable(Exception):
    """The host does not resolve (not served by the sandbox, or a vault that does not exist)."""

    def __init__(self, host: str, message: str = ""):
        super().__init__(
            message or f"Cannot connect to host {host}:443 ssl:default [Name or service not known]"
        )
        self.host = host


class ConnectionDropped(Exception):
    """The connection was reset before a response arrived (an injected `drop` fault)."""

    def __init__(self, host: str):
        super().__init__(f"[Errno 104] Connection reset by peer ({host}:443)")
        self.host = host


class RemoteLoop:
    """The sandbox's side of the wire: one daemon thread running its own event loop, shared by every
    transport in the process. Injected latency sleeps there; handlers run there, one step at a time."""

    _loop: asyncio.AbstractEventLoop | None = None
    _guard = threading.Lock()

    @classmethod
    def get(cls) -> asyncio.AbstractEventLoop:
        with cls._guard:
            if cls._loop is None or cls._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=_serve, args=(loop,), name="sandbox-remote", daemon=True)
                thread.start()
                cls._loop = loop
            return cls._loop


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    # A remote service runs on someone else's CPU. In-process, the sandbox's work (a 3072-bit key takes
    # 100-600 ms of a core) must not take the CPU from the UI thread on a small machine: the sandbox's
    # thread runs at a lower priority (Linux schedules threads, so this leaves the rest of the process be).
    with contextlib.suppress(AttributeError, OSError):
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(os.getpriority(os.PRIO_PROCESS, me) + SERVER_NICENESS, 19))
    loop.run_forever()


async def _answer(
    dispatch: Dispatch, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> Wire:
    result = dispatch(method, url, headers, body)
    if inspect.isawaitable(result):
        result = await result
    return result  # type: ignore[return-value]


async def _call(
    dispatch: Dispatch, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> Wire:
    """Send the request to the remote loop and wait for its reply without blocking the caller's loop.
    Cancelling the caller cancels the request there too (like closing the connection)."""
    remote = RemoteLoop.get()
    answer = _answer(dispatch, method, url, headers, body)
    if asyncio.get_running_loop() is remote:  # already on the server side (a handler calling out)
        return await answer
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(answer, remote))


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class MemResponse(AsyncHttpResponse):
    """A complete response held in memory; streaming just yields the one buffer."""

    def __init__(self, request: Any, status: int, headers: dict[str, str], body: bytes):
        self._request = request
        self._status = status
        self._headers = case_insensitive_dict(headers)
        self._content = body
        self._encoding: str | None = None
        self._closed = False
        self._consumed = False

    @property
    def request(self) -> Any:
        return self._request

    @property
    def status_code(self) -> int:
        return self._status

    @property
    def headers(self) -> Any:
        return self._headers

    @property
    def reason(self) -> str:
        return _REASONS.get(self._status, "")

    @property
    def content_type(self) -> str | None:
        return self._headers.get("Content-Type")

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def is_stream_consumed(self) -> bool:
        return self._consumed

    @property
    def encoding(self) -> str | None:
        return self._encoding or "utf-8"

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def url(self) -> str:
        return self._request.url

    @property
    def content(self) -> bytes:
        return self._content

    def text(self, encoding: str | None = None) -> str:
        return self._content.decode(encoding or self.encoding or "utf-8")

    def json(self) -> Any:
        return json.loads(self._content) if self._content else None

    def body(self) -> bytes:
        """The whole body, as azure-core's own responses give it through their back-compat `body()`: the
        newer generated SDKs (azure-mgmt-resource-locks, azure-mgmt-monitor 7) deserialize from it, and
        without it fall back to `read()`, a coroutine here."""
        return self._content

    def raise_for_status(self) -> None:
        if self._status >= 400:
            raise HttpResponseError(response=self)

    async def read(self) -> bytes:
        self._consumed = True
        return self._content

    async def iter_raw(self, **kwargs: Any) -> AsyncIterator[bytes]:
        self._consumed = True
        yield self._content

    async def iter_bytes(self, **kwargs: Any) -> AsyncIterator[bytes]:
        self._consumed = True
        yield self._content

    async def close(self) -> None:
        self._closed = True

    async def __aexit__(self, *args: Any) -> None:
        await self.close()


def request_body(request: Any) -> bytes:
    """Both request kinds: azure.core.rest (`content`) and the legacy one mgmt-authorization sends (`body`)."""
    body = getattr(request, "content", None)
    if body is None:
        body = getattr(request, "body", None)
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    content_type = str(request.headers.get("Content-Type", "")).lower()
    if isinstance(body, dict) and "x-www-form-urlencoded" in content_type:
        # azure-core keeps `data=` forms (token requests) as a dict for the transport to encode.
        return urlencode(body, doseq=True).encode("ascii")
    return json.dumps(body).encode("utf-8")


class MemTransport(AsyncHttpTransport):
    """azure-core's side. `realtime()` says whether retry and polling waits really wait (the demo) or return
    at once (tests); every wait asked for is recorded in `slept`."""

    def __init__(
        self,
        dispatch: Dispatch,
        *,
        realtime: Callable[[], bool] | None = None,
        waited: Callable[[float], None] | None = None,
    ):
        self._dispatch = dispatch
        self._realtime = realtime or (lambda: False)
        self._waited = waited or (lambda seconds: None)
        self.closed = False
        self.slept: list[float] = []

    async def send(self, request: Any, **kwargs: Any) -> MemResponse:
        await asyncio.sleep(0)  # a real transport yields to the loop; so do we, for fair interleaving
        try:
            status, headers, body = await _call(
                self._dispatch,
                request.method,
                request.url,
                list(request.headers.items()),
                request_body(request),
            )
        except HostUnreachable as err:
            raise ServiceRequestError(str(err)) from None
        except ConnectionDropped as err:
            raise ServiceResponseError(str(err)) from None
        return MemResponse(request, status, headers, body)

    async def open(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> MemTransport:
        await self.open()
        return self

    async def __aexit__(self, *args: Any) -> None:
        await self.close()

    async def sleep(self, duration: float) -> None:
        # Retry and polling waits go through here (azure-wire §1.1): instant unless the sandbox runs in real
        # time, but always a yield point.
        self.slept.append(float(duration))
        await asyncio.sleep(float(duration) if self._realtime() else 0)


class SyncMemResponse(HttpResponse):
    """`MemResponse` for azure-core's sync pipeline."""

    def __init__(self, request: Any, status: int, headers: dict[str, str], body: bytes):
        self._inner = MemResponse(request, status, headers, body)

    request = property(lambda self: self._inner.request)
    status_code = property(lambda self: self._inner.status_code)
    headers = property(lambda self: self._inner.headers)
    reason = property(lambda self: self._inner.reason)
    content_type = property(lambda self: self._inner.content_type)
    is_closed = property(lambda self: self._inner.is_closed)
    is_stream_consumed = property(lambda self: self._inner.is_stream_consumed)
    url = property(lambda self: self._inner.url)
    content = property(lambda self: self._inner.content)

    @property
    def encoding(self) -> str | None:
        return self._inner.encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._inner.encoding = value

    def text(self, encoding: str | None = None) -> str:
        return self._inner.text(encoding)

    def json(self) -> Any:
        return self._inner.json()

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpResponseError(response=self)

    def read(self) -> bytes:
        self._inner._consumed = True
        return self.content

    def iter_raw(self, **kwargs: Any) -> Iterator[bytes]:
        yield self.read()

    def iter_bytes(self, **kwargs: Any) -> Iterator[bytes]:
        yield self.read()

    def close(self) -> None:
        self._inner._closed = True

    def __enter__(self) -> SyncMemResponse:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()


class SyncMemTransport(HttpTransport):
    """azure-core's sync side (azure-identity's sync credentials, and MSAL through them). Each request is
    answered on the sandbox's thread, like an async one, and the calling thread blocks for the reply; waits
    (`sleep`) return at once and are recorded in `slept`."""

    def __init__(self, dispatch: Dispatch):
        self._dispatch = dispatch
        self.closed = False
        self.slept: list[float] = []

    def send(self, request: Any, **kwargs: Any) -> SyncMemResponse:
        remote = RemoteLoop.get()
        answer = _answer(self._dispatch, request.method, request.url, list(request.headers.items()),
                         request_body(request))  # fmt: skip
        try:
            status, headers, body = asyncio.run_coroutine_threadsafe(answer, remote).result()
        except HostUnreachable as err:
            raise ServiceRequestError(str(err)) from None
        except ConnectionDropped as err:
            raise ServiceResponseError(str(err)) from None
        return SyncMemResponse(request, status, headers, body)

    def open(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> SyncMemTransport:
        self.open()
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def sleep(self, duration: float) -> None:
        self.slept.append(float(duration))


class HttpxTransport(httpx.AsyncBaseTransport):
    """httpx's side, for msgraph-sdk (kiota) and the Kore API client. Hand it to `httpx.AsyncClient(
    transport=…)`; httpx and kiota do their own waiting (the product's Graph client waits through
    `Connection.sleep`; a stock kiota client's retries really sleep, see docs/sandbox.md)."""

    def __init__(
        self,
        dispatch: Dispatch,
        *,
        realtime: Callable[[], bool] | None = None,
        waited: Callable[[float], None] | None = None,
    ):
        self._dispatch = dispatch
        self._realtime = realtime or (lambda: False)
        self._waited = waited or (lambda seconds: None)
        self.closed = False
        self.paced: list[float] = []
        """Waits a client pacing itself asked for (see `pacing`)."""

    def pacing(self) -> tuple[Callable[[], float], Callable[[float], Awaitable[None]]]:
        """(clock, sleep) for a client that paces itself (Kore's rate limits). Under `realtime` (the demo) they
        are the real ones; otherwise a clock that only the waits move, and waits that return at once (recorded
        in `paced`, and told to the service so its rate windows move on too), like the Azure SDKs' retry waits
        on `MemTransport`."""
        if self._realtime():
            return time.monotonic, asyncio.sleep
        elapsed = [0.0]

        async def sleep(seconds: float) -> None:
            self.paced.append(float(seconds))
            elapsed[0] += max(0.0, float(seconds))
            self._waited(max(0.0, float(seconds)))
            await asyncio.sleep(0)

        return (lambda: elapsed[0]), sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        body = await request.aread()
        try:
            status, headers, content = await _call(
                self._dispatch, request.method, str(request.url), list(request.headers.items()), body
            )
        except (HostUnreachable, ServiceRequestError) as err:
            raise httpx.ConnectError(str(err), request=request) from None
        except ConnectionDropped as err:
            raise httpx.ReadError(str(err), request=request) from None
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        self.closed = True
