"""Proxy and CA settings, read as every client stack here reads them."""

from __future__ import annotations

import pytest

from byok_tui.azure import netconfig


@pytest.mark.parametrize(
    ("env", "url", "expected"),
    [
        ({}, "https://graph.microsoft.com/v1.0", None),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "https://graph.microsoft.com/v1.0", "http://proxy:3128"),
        ({"https_proxy": "proxy:3128"}, "https://x.vault.azure.net/", "http://proxy:3128"),
        ({"ALL_PROXY": "http://all:8080"}, "https://management.azure.com/", "http://all:8080"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".vault.azure.net"}, "https://kv1.vault.azure.net/", None),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".vault.azure.net"},
            "https://graph.microsoft.com/",
            "http://p:1",
        ),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": "*"}, "https://graph.microsoft.com/", None),
        ({"HTTP_PROXY": "http://plain:80"}, "https://graph.microsoft.com/", None),
    ],
)
def test_proxy_for_follows_the_proxy_variables_and_no_proxy(env, url, expected):
    assert netconfig.proxy_for(url, env) == expected


def test_the_process_environment_is_read_at_the_moment_of_use(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://later:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert netconfig.proxy_for("https://graph.microsoft.com/") == "http://later:3128"
    assert netconfig.proxy_variable() == "HTTPS_PROXY"


def test_ca_variable_names_the_one_that_is_set():
    assert netconfig.ca_variable({}) is None
    assert netconfig.ca_variable({"REQUESTS_CA_BUNDLE": "/x.pem"}) == "REQUESTS_CA_BUNDLE"
    assert netconfig.ca_variable({"SSL_CERT_FILE": "/a", "REQUESTS_CA_BUNDLE": "/b"}) == "SSL_CERT_FILE"


def test_ssl_context_trusts_the_bundle_ssl_cert_file_names(tmp_path, monkeypatch):
    from byok_tui.sandbox.ca import SandboxCA

    ca = SandboxCA()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.write(tmp_path / "ca.pem")))
    subjects = [dict(x[0] for x in c["subject"]) for c in netconfig.ssl_context().get_ca_certs()]
    assert {"commonName": "byok-tui sandbox CA", "organizationName": "byok-tui"} in subjects
