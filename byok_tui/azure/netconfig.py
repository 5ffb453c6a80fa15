"""The machine's network settings, read the way every client stack here reads them, at the moment of use.

One place decides, for aiohttp (Resource Manager, Key Vault, azure-identity's async credentials) and httpx
(Microsoft Graph, Kore's API), which proxy a URL goes through and which CAs are trusted:
- proxies: `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` (either case), as curl, requests,
  aiohttp and httpx read them; the standard library's `urllib.request` parses them;
- trust: `SSL_CERT_FILE` / `SSL_CERT_DIR` (OpenSSL's own variables), on top of the system's store.
  MSAL's token requests go through requests, which reads `REQUESTS_CA_BUNDLE` instead (docs/troubleshooting.md
  "Behind a corporate proxy").

They are read when a pool is made, not at import: aiohttp builds its default SSL context when it is
imported, so a variable set later (a test, an embedding program) would otherwise be missed.
"""

from __future__ import annotations

import os
import ssl
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy")


def proxy_for(url: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL `url` goes through, or None for a direct connection (no proxy set, or NO_PROXY)."""
    env = os.environ if environ is None else environ
    proxies = _proxies(env)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy:
        return None
    host = parts.hostname or ""
    if _bypassed(host, parts.port, env):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def proxy_variable(environ: Mapping[str, str] | None = None) -> str:
    """The name of the variable that sets the HTTPS proxy here ("HTTPS_PROXY" when none is set)."""
    env = os.environ if environ is None else environ
    return next((name for name in PROXY_VARIABLES if env.get(name)), "HTTPS_PROXY")


def ca_variable(environ: Mapping[str, str] | None = None) -> str | None:
    """The variable that names the CA bundle, when one is set."""
    env = os.environ if environ is None else environ
    return next((name for name in CA_VARIABLES if env.get(name)), None)


def ssl_context() -> ssl.SSLContext:
    """A verifying client context with the system's CAs, or those `SSL_CERT_FILE` / `SSL_CERT_DIR` name."""
    return ssl.create_default_context()


def _proxies(env: Mapping[str, str]) -> dict[str, str]:
    if env is os.environ:
        return urllib.request.getproxies_environment()
    # The same rules as urllib's, for a mapping other than the process environment (tests).
    found: dict[str, str] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            scheme = name[:-6].lower()
            if name.islower() or scheme not in found:
                found[scheme] = value
    return found


def _bypassed(host: str, port: int | None, env: Mapping[str, str]) -> bool:
    no_proxy = env.get("no_proxy") or env.get("NO_PROXY") or ""
    target = host if port is None else f"{host}:{port}"
    return bool(no_proxy) and bool(urllib.request.proxy_bypass_environment(target, {"no": no_proxy}))
