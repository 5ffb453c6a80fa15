"""The azure-core async transport that answers in-process (azure-wire §1).

Every SDK client accepts `transport=`; this one hands each request to the sandbox's dispatcher and wraps
the reply in a fully buffered `AsyncHttpResponse`. Closing a transport only marks it closed: the world it
serves belongs to the Sandbox, so one client closing its transport never breaks another.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.rest import AsyncHttpResponse
from azure.core.utils import case_insensitive_dict

Dispatch = Callable[[str, str, list[tuple[str, str]], bytes], tuple[int, dict[str, str], bytes]]
"""(method, url, headers, body) -> (status, headers, body); may raise ServiceRequestError."""

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
    429: "Too Many Requests",
    500: "Internal Server Error",
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
    return json.dumps(body).encode("utf-8")


class MemTransport(AsyncHttpTransport):
    def __init__(self, dispatch: Dispatch):
        self._dispatch = dispatch
        self.closed = False

    async def send(self, request: Any, **kwargs: Any) -> MemResponse:
        await asyncio.sleep(0)  # a real transport yields to the loop; so do we, for fair interleaving
        status, headers, body = self._dispatch(
            request.method, request.url, list(request.headers.items()), request_body(request)
        )
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
        # Retry and polling waits go through here (azure-wire §1.1): instant, but still a yield point.
        await asyncio.sleep(0)
