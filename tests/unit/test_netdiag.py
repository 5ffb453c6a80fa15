"""Proxy and TLS failures, as aiohttp, httpx and requests raise them, become one message naming the variable."""

from __future__ import annotations

import ssl

import httpx
import pytest

from byok_tui.azure import netdiag


@pytest.fixture(autouse=True)
def proxied(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
                 "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@proxy.corp:3128")


def _chained(outer: BaseException, *inner: BaseException) -> BaseException:
    current = outer
    for nxt in inner:
        current.__cause__ = nxt
        current = nxt
    return outer


def test_an_untrusted_certificate_names_the_ca_variables():
    verify = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                                             "self-signed certificate in certificate chain")  # fmt: skip
    exc = _chained(httpx.ConnectError(str(verify)), verify)
    found = netdiag.diagnose(exc, "https://graph.microsoft.com/v1.0/organization")
    assert found is not None
    assert (
        found.title == "TLS: the certificate presented for graph.microsoft.com is not trusted by this machine"
    )
    assert found.remedy.startswith("SSL_CERT_FILE is not set.")
    assert "REQUESTS_CA_BUNDLE" in found.remedy
    assert found.exit_code == 3


def test_an_untrusted_certificate_with_a_bundle_set_says_the_bundle_lacks_the_ca(monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/company.pem")
    exc = RuntimeError("Cannot connect to host management.azure.com:443 ssl:True [CERTIFICATE_VERIFY_FAILED]")
    found = netdiag.diagnose(exc)
    assert found is not None
    assert found.remedy.startswith("SSL_CERT_FILE names a CA bundle that does not include the CA")


def test_a_sign_in_through_requests_names_requests_ca_bundle(monkeypatch):
    import requests

    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/company.pem")  # right for aiohttp; requests ignores it
    exc = requests.exceptions.SSLError("HTTPSConnectionPool(host='login.microsoftonline.com', port=443): "
                                       "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")  # fmt: skip
    found = netdiag.diagnose(exc, "https://login.microsoftonline.com/")
    assert found is not None
    assert found.remedy.startswith("REQUESTS_CA_BUNDLE is not set.")


def test_a_refused_connect_from_httpx_names_the_proxy_without_its_password():
    exc = httpx.ProxyError("403 Forbidden")
    found = netdiag.diagnose(exc, "https://graph.microsoft.com/v1.0/servicePrincipals")
    assert found is not None
    assert found.title == "The proxy in HTTPS_PROXY refused the tunnel to graph.microsoft.com (403 Forbidden)"
    assert "s3cret" not in found.describe()
    assert "http://user:***@proxy.corp:3128" in found.detail
    assert "NO_PROXY" in found.remedy


def test_a_refused_connect_from_requests_is_read_from_its_text():
    exc = _chained(
        RuntimeError("ProxyError('Unable to connect to proxy')"), OSError("Tunnel connection failed: 407 ")
    )
    found = netdiag.diagnose(exc, "https://login.microsoftonline.com/common/oauth2/v2.0/token")
    assert found is not None
    assert "407 Proxy Authentication Required" in found.title
    assert "USER:PASSWORD" in found.remedy


def test_an_unreachable_proxy_says_to_correct_the_variable():
    exc = _chained(
        httpx.ConnectError("All connection attempts failed"), ConnectionRefusedError(111, "refused")
    )
    found = netdiag.diagnose(exc, "https://graph.microsoft.com/v1.0")
    assert found is not None
    assert found.title == "The proxy in HTTPS_PROXY could not be reached (http://user:***@proxy.corp:3128)"
    assert found.remedy.startswith("Correct HTTPS_PROXY")


def test_without_a_proxy_a_refused_connection_is_not_a_proxy_problem(monkeypatch):
    monkeypatch.delenv("HTTPS_PROXY")
    exc = _chained(
        httpx.ConnectError("All connection attempts failed"), ConnectionRefusedError(111, "refused")
    )
    assert netdiag.diagnose(exc, "https://graph.microsoft.com/v1.0") is None


def test_a_host_in_no_proxy_is_not_blamed_on_the_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "graph.microsoft.com")
    exc = _chained(
        httpx.ConnectError("All connection attempts failed"), ConnectionRefusedError(111, "refused")
    )
    assert netdiag.diagnose(exc, "https://graph.microsoft.com/v1.0") is None
