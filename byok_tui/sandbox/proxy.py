"""The sandbox on a real socket: an HTTPS forward proxy on loopback that *is* Azure for the hosts it emulates.

Clients reach it as they reach Azure from a jump host behind a company proxy: `HTTPS_PROXY` points here,
each client sends `CONNECT host:443`, and the tunnel's TLS ends here with a certificate for that host signed
by the sandbox's own CA (`ca.py`), which the client trusts through `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE`.
Inside the tunnel every HTTP/1.1 request goes to `Sandbox.exchange`, the same entry the in-process transports
use, so the world, its enforcement and its injected faults are the same on both faces.

Nothing is ever forwarded: a CONNECT to a host the sandbox does not emulate is refused (403) with a message
that says so, and a vault name that does not exist fails as its DNS lookup would (502 from the proxy).

A request without a proxy target (`GET /` straight to this address) reaches the operator's page: pending
device sign-ins, to approve or decline as the signed-in person would on microsoft.com/devicelogin.

HTTP/1.1 framing is h11's (it comes with httpx); TLS is the standard library's.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

import h11

from byok_tui.sandbox.ca import SandboxCA
from byok_tui.sandbox.transport import ConnectionDropped, HostUnreachable

log = logging.getLogger("byok_tui.sandbox.proxy")

READ_SIZE = 65536
MAX_BODY = 8 * 1024 * 1024
"""The largest request body accepted (Azure's own limits are far lower for the calls emulated here)."""
PRODUCT = "byok-tui-sandbox"


class SandboxProxy:
    """Serves one `Sandbox` on `host:port` (port 0: a free one, read back from `port` once started)."""

    def __init__(self, sandbox: Any, ca: SandboxCA | None = None, *, host: str = "127.0.0.1", port: int = 0):
        self.sandbox = sandbox
        self.ca = ca or SandboxCA()
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.requests = 0
        """Requests answered inside tunnels (for benches and tests)."""
        self.token_grants: Counter[str] = Counter()
        """Tokens issued by Entra ID, by grant type: shows sign-ins and silent renewals apart."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen; raises OSError (EADDRINUSE and the like) when the address cannot be had."""
        self._server = await asyncio.start_server(self._accept, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._clients):
            task.cancel()
        if self._clients:
            await asyncio.gather(*self._clients, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    # ---- one client connection ------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        try:
            await self._client(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, h11.ProtocolError, OSError) as exc:
            log.debug("client connection ended: %s", exc)
        finally:
            self._clients.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        request = await _next_request(conn, reader)
        if request is None:
            return
        head, _ = request
        if head.method == b"CONNECT":
            await self._tunnel(conn, head.target.decode("ascii", "replace"), reader, writer)
        elif head.target.startswith(b"/"):
            await self._local(conn, request, writer)
        else:
            await _reply(conn, writer, 403, _text(
                "byok-tui sandbox: plain-HTTP proxying is refused; it serves HTTPS (CONNECT) to the hosts it "
                "emulates only."
            ), close=True)  # fmt: skip

    async def _tunnel(self, conn: h11.Connection, authority: str, reader: Any, writer: Any) -> None:
        host, _, port = authority.rpartition(":")
        host = host.strip("[]").lower()
        served = self.sandbox.serves_host(host) if port == "443" else "foreign"
        if served == "foreign":
            await _reply(conn, writer, 403, _text(
                f"byok-tui sandbox: refusing CONNECT to {authority}: this proxy emulates Azure Resource Manager, "
                "Key Vault, Microsoft Graph, Entra ID and Kore's API on port 443 and forwards nothing else."
            ), close=True, reason=f"Forbidden (byok-tui sandbox does not forward to {authority})")  # fmt: skip
            return
        if served == "unresolvable":
            await _reply(conn, writer, 502, _text(
                f"byok-tui sandbox: cannot resolve {host}: no such host (no vault of that name exists)."
            ), close=True, reason=f"Bad Gateway ({host} does not resolve)")  # fmt: skip
            return
        await _send(conn, writer, h11.Response(status_code=200, headers=[], reason=b"Connection established"))
        await writer.start_tls(self.ca.server_context(host))
        await self._serve_tunnel(host, reader, writer)

    async def _serve_tunnel(self, host: str, reader: Any, writer: Any) -> None:
        conn = h11.Connection(h11.SERVER)
        while True:
            request = await _next_request(conn, reader)
            if request is None:
                return
            head, body = request
            url = f"https://{host}{head.target.decode('ascii', 'replace')}"
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in head.headers]
            try:
                status, reply_headers, content = await self.sandbox.exchange(
                    head.method.decode("ascii"), url, headers, body
                )
            except (ConnectionDropped, HostUnreachable) as exc:
                # A dropped connection or a vault deleted under an open tunnel: the client sees the reset.
                log.debug("%s: connection dropped: %s", host, exc)
                writer.transport.abort()
                return
            except Exception as exc:  # a bug of the emulator's: the client gets a 500, the server goes on
                log.exception("sandbox failed on %s %s", head.method.decode(), url)
                status, reply_headers, content = (
                    500,
                    {"Content-Type": "application/json"},
                    json.dumps(
                        {
                            "error": {
                                "code": "InternalServerError",
                                "message": f"byok-tui sandbox error: {exc}",
                            }
                        }
                    ).encode(),
                )
            self.requests += 1
            if (
                status == 200
                and head.method == b"POST"
                and head.target.split(b"?")[0].endswith(b"/oauth2/v2.0/token")
            ):
                self.token_grants[parse_qs(body.decode("utf-8", "replace")).get("grant_type", ["?"])[0]] += 1
            await _reply(conn, writer, status, (reply_headers, content))
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    # ---- the operator's page ---------------------------------------------------------------------------

    async def _local(self, conn: h11.Connection, request: tuple[h11.Request, bytes], writer: Any) -> None:
        head, body = request
        path = head.target.decode("ascii", "replace").split("?", 1)[0]
        method = head.method.decode("ascii")
        if method == "GET" and path == "/":
            await _reply(conn, writer, 200, self._page(), close=True)
        elif method == "GET" and path == "/health":
            await _reply(
                conn,
                writer,
                200,
                _json(
                    {
                        "ok": True,
                        "tenant_id": self.sandbox.tenant_id,
                        "requests": self.requests,
                        "token_grants": dict(self.token_grants),
                    }
                ),
                close=True,
            )
        elif method == "POST" and path in ("/approve", "/decline"):
            form = {k.lower(): v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            code = form.get("code", "").strip()
            status, message = self._decide(code, approve=path == "/approve")
            wants_json = "json" in dict(head.headers).get(b"accept", b"").decode("latin-1")
            reply = _json({"ok": status == 200, "message": message}) if wants_json else self._page(message)
            await _reply(conn, writer, status, reply, close=True)
        else:
            await _reply(
                conn, writer, 404, _text("Not found. Open / for pending device sign-ins."), close=True
            )

    def _decide(self, code: str, *, approve: bool) -> tuple[int, str]:
        if not code:
            return 400, "Enter the code the wizard shows."
        try:
            if approve:
                self.sandbox.approve_device_code(code)
            else:
                self.sandbox.decline_device_code(code)
        except (KeyError, ValueError) as exc:
            return 404, str(exc.args[0] if exc.args else exc)
        verb = "approved: the wizard signs in now" if approve else "declined: the wizard will say so"
        return 200, f"Code {code.upper()} {verb}."

    def _page(self, message: str = "") -> tuple[dict[str, str], bytes]:
        rows = []
        for pending in self.sandbox.pending_device_codes():
            code = html.escape(pending.user_code)
            expires = time.strftime("%H:%M:%S UTC", time.gmtime(pending.expires_on))
            rows.append(
                f"<tr><td><code>{code}</code></td><td>{html.escape(pending.client_name)}</td><td>{expires}</td>"
                f"<td><form method=post action=/approve><input type=hidden name=code value={code}>"
                "<button>Approve as the operator</button></form>"
                f"<form method=post action=/decline><input type=hidden name=code value={code}>"
                "<button>Decline</button></form></td></tr>"
            )
        table = "".join(rows) or "<tr><td colspan=4>No device sign-in is waiting.</td></tr>"
        note = f"<p><strong>{html.escape(message)}</strong></p>" if message else ""
        page = (
            "<!doctype html><meta charset=utf-8><title>byok-tui sandbox: device sign-in</title>"
            "<h1>byok-tui sandbox: device sign-in</h1>"
            "<p>Approving a code here stands for signing in at microsoft.com/devicelogin with the "
            "sandbox tenant's operator account.</p>" + note + "<form method=post action=/approve>"
            "<input name=code placeholder='code' autofocus> <button>Approve</button></form>"
            "<table><tr><th>code</th><th>app</th><th>expires</th><th></th></tr>" + table + "</table>"
        )
        return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}, page.encode()


# ---- HTTP/1.1 over h11 -----------------------------------------------------------------------------------


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await reader.read(READ_SIZE))


async def _next_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request, bytes] | None:
    """The next whole request (head and body), or None when the client closed the connection."""
    event = await _next_event(conn, reader)
    if not isinstance(event, h11.Request):
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        part = await _next_event(conn, reader)
        if isinstance(part, h11.Data):
            size += len(part.data)
            if size > MAX_BODY:
                raise h11.RemoteProtocolError("request body too large")
            chunks.append(bytes(part.data))
        elif isinstance(part, h11.EndOfMessage):
            return event, b"".join(chunks)
        else:
            return None


async def _send(conn: h11.Connection, writer: asyncio.StreamWriter, *events: Any) -> None:
    for event in events:
        data = conn.send(event)
        if data:
            writer.write(data)
    await writer.drain()


HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


async def _reply(
    conn: h11.Connection,
    writer: asyncio.StreamWriter,
    status: int,
    reply: tuple[dict[str, str], bytes],
    *,
    close: bool = False,
    reason: str = "",
) -> None:
    headers, content = reply
    fields = [(k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP]
    fields.append(("Content-Length", str(len(content))))
    if close:
        fields.append(("Connection", "close"))
    await _send(
        conn,
        writer,
        h11.Response(status_code=status, headers=fields, reason=(reason or _phrase(status)).encode()),
        h11.Data(data=content),
        h11.EndOfMessage(),
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _text(message: str) -> tuple[dict[str, str], bytes]:
    return {"Content-Type": "text/plain; charset=utf-8", "Server": PRODUCT}, (message + "\n").encode()


def _json(value: Any) -> tuple[dict[str, str], bytes]:
    return {"Content-Type": "application/json; charset=utf-8"}, json.dumps(value).encode()


# ---- running it beside other work ----------------------------------------------------------------------


@contextlib.contextmanager
def serving_in_thread(sandbox: Any, ca: SandboxCA | None = None, *, port: int = 0) -> Iterator[SandboxProxy]:
    """Serve `sandbox` from a thread of this process for the `with` block (tests and benches); the
    proxy's loop is its own, as a separate server's would be."""
    loop = asyncio.new_event_loop()
    proxy = SandboxProxy(sandbox, ca, port=port)
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(proxy.start())
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(proxy.close())
        loop.close()

    thread = threading.Thread(target=run, name="sandbox-proxy", daemon=True)
    thread.start()
    started.wait()
    if failure:
        raise failure[0]
    try:
        yield proxy
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
