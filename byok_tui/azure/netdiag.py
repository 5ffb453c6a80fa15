"""Why a request never reached Azure, said in terms of the variable to fix.

Behind a company proxy three failures look alike in the raw exceptions of aiohttp, httpx and requests (each
stack words them its own way, several layers deep): the proxy cannot be reached, the proxy refused to open
the tunnel, or a TLS-inspecting proxy presented a certificate this machine does not trust. `diagnose` walks
an exception's chain and returns one `NetworkError` that names the variable (HTTPS_PROXY, NO_PROXY,
SSL_CERT_FILE, REQUESTS_CA_BUNDLE) and the fix, or None when the failure is something else.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Iterator
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit

from byok_tui.azure import netconfig
from byok_tui.errors import NetworkError, ProxyUnreachable

__all__ = ["NetworkError", "ProxyUnreachable", "diagnose"]

GUIDE = "docs/troubleshooting.md, 'Behind a corporate proxy'"
_HOST_IN_TEXT = re.compile(r"host[= ]'?([A-Za-z0-9.-]+\.[A-Za-z]{2,})'?[:,]")


def diagnose(exc: BaseException, url: str = "") -> NetworkError | None:
    """A NetworkError for a proxy or TLS failure anywhere in `exc`'s chain; None for anything else.
    `url` is the address that was asked for, when the caller knows it (for the host and NO_PROXY)."""
    chain = list(_chain(exc))
    text = " | ".join(f"{type(e).__name__}: {e}" for e in chain)
    host = _host(url, chain, text)
    proxy = netconfig.proxy_for(url) if url else _any_proxy()
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or "CERTIFICATE_VERIFY_FAILED" in text:
        # requests (MSAL's sign-in, the Azure CLI) reads REQUESTS_CA_BUNDLE; aiohttp and httpx read SSL_CERT_FILE.
        through_requests = any(type(e).__module__.startswith(("requests", "urllib3")) for e in chain)
        variable = "REQUESTS_CA_BUNDLE" if through_requests else "SSL_CERT_FILE"
        return _untrusted(host, _first_line(chain, "CERTIFICATE_VERIFY_FAILED"), variable)
    status = _refused_status(chain, text)
    if status and proxy:
        return _refused(host, proxy, status)
    if proxy and _proxy_unreachable(chain, text):
        return _unreachable(proxy, _root_line(chain))
    return None


def _untrusted(host: str, detail: str, variable: str) -> NetworkError:
    where = f"the certificate presented for {host}" if host else "a server's certificate"
    other = "SSL_CERT_FILE" if variable == "REQUESTS_CA_BUNDLE" else "REQUESTS_CA_BUNDLE"
    if os.environ.get(variable):
        fix = (f"{variable} names a CA bundle that does not include the CA that signed {where}. Point "
               f"{variable} (and {other}) at a PEM bundle that holds it")  # fmt: skip
    else:
        fix = (f"{variable} is not set. If this network inspects TLS (a company proxy that re-signs certificates), "
               f"get its root CA from the network team and set {variable} and {other} to a PEM bundle that "
               "includes it")  # fmt: skip
    return NetworkError(
        f"TLS: {where} is not trusted by this machine",
        detail=detail,
        remedy=f"{fix} ({GUIDE}). Never turn verification off: the vault's key is at stake.",
    )


def _refused(host: str, proxy: str, status: int) -> NetworkError:
    variable = netconfig.proxy_variable()
    phrase = _phrase(status)
    target = host or "the Azure host"
    if status == 407:
        remedy = (f"The proxy wants credentials: put them in {variable} as http://USER:PASSWORD@host:port "
                  "(percent-encode special characters), then try again.")  # fmt: skip
    else:
        remedy = (f"Ask the network team to allow {target}:443 through the proxy ({GUIDE} lists every host the "
                  f"wizard needs), or add {target} to NO_PROXY if this machine reaches it directly.")  # fmt: skip
    return NetworkError(
        f"The proxy in {variable} refused the tunnel to {target} ({status} {phrase})",
        detail=f"{variable}={_redact(proxy)} answered CONNECT {target}:443 with {status} {phrase}".rstrip(),
        remedy=remedy,
    )


def _unreachable(proxy: str, detail: str) -> ProxyUnreachable:
    variable = netconfig.proxy_variable()
    return ProxyUnreachable(
        f"The proxy in {variable} could not be reached ({_redact(proxy)})",
        detail=detail,
        remedy=f"Correct {variable} (scheme, host and port of the company proxy), or unset it where this "
        "machine reaches Azure directly, then try again.",
    )


# ---- reading the chain ---------------------------------------------------------------------------------


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (current.__cause__, current.__context__, getattr(current, "inner_exception", None),
                    getattr(current, "reason", None), *current.args):  # fmt: skip
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _refused_status(chain: list[BaseException], text: str) -> int | None:
    for e in chain:
        kind = type(e).__name__
        if kind == "ClientHttpProxyError":  # aiohttp
            return int(getattr(e, "status", 0) or 0) or None
        if kind == "ProxyError" and type(e).__module__.startswith(("httpx", "httpcore")):
            found = re.match(r"\s*(\d{3})", str(e))
            return int(found.group(1)) if found else None
    found = re.search(r"Tunnel connection failed: (\d{3})", text)  # requests / urllib3
    return int(found.group(1)) if found else None


def _proxy_unreachable(chain: list[BaseException], text: str) -> bool:
    names = {type(e).__name__ for e in chain}
    if "ClientProxyConnectionError" in names or "Unable to connect to proxy" in text:
        return True
    # httpx says only "All connection attempts failed": with a proxy set for the URL, that was the proxy.
    return any(type(e).__module__.startswith(("httpx", "httpcore")) and type(e).__name__ == "ConnectError"
               for e in chain) and any(isinstance(e, ConnectionError | OSError) for e in chain)  # fmt: skip


def _host(url: str, chain: list[BaseException], text: str) -> str:
    if url:
        return urlsplit(url).hostname or ""
    for e in chain:
        request = getattr(e, "request", None)
        try:
            found = getattr(getattr(request, "url", None), "host", None)
        except Exception:  # httpx raises when an exception has no request attached
            found = None
        if found:
            return str(found)
        if type(e).__name__ == "ClientConnectorCertificateError":
            host = getattr(getattr(e, "_conn_key", None), "host", None)
            if host:
                return str(host)
    found = _HOST_IN_TEXT.search(text) or re.search(r"connect to host ([A-Za-z0-9.-]+):", text)
    return found.group(1) if found else ""


def _any_proxy() -> str | None:
    return netconfig.proxy_for("https://management.azure.com/")


def _first_line(chain: list[BaseException], marker: str) -> str:
    for e in chain:
        if marker in str(e):
            return str(e).splitlines()[0]
    return _root_line(chain)


def _root_line(chain: list[BaseException]) -> str:
    last = chain[-1]
    return (str(last).splitlines() or [type(last).__name__])[0]


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _redact(proxy: str) -> str:
    """The proxy URL without any password in it."""
    parts = urlsplit(proxy)
    if parts.password is None:
        return proxy
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
