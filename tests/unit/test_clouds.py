"""Cloud endpoints: lookup, vault URIs, host → cloud, admin-consent URL."""

from __future__ import annotations

import pytest

from byok_tui.clouds import (
    AZURE_CHINA,
    AZURE_PUBLIC,
    AZURE_US_GOVERNMENT,
    CLOUDS,
    UnknownCloud,
    cloud_for_vault_host,
    get_cloud,
)

ALL = [AZURE_PUBLIC, AZURE_US_GOVERNMENT, AZURE_CHINA]
TENANT = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
CLIENT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def test_clouds_are_keyed_by_cli_name() -> None:
    assert list(CLOUDS) == ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]
    assert all(CLOUDS[name].name == name for name in CLOUDS)


@pytest.mark.parametrize(
    ("name", "cloud"),
    [
        ("AzureCloud", AZURE_PUBLIC),
        ("azurecloud", AZURE_PUBLIC),
        ("AZURECLOUD", AZURE_PUBLIC),
        ("  AzureCloud\n", AZURE_PUBLIC),
        ("azureusgovernment", AZURE_US_GOVERNMENT),
        ("AzureChinaCloud", AZURE_CHINA),
    ],
)
def test_get_cloud_is_case_insensitive(name: str, cloud) -> None:
    assert get_cloud(name) is cloud


@pytest.mark.parametrize("name", ["Mars", "", "AzureGermanCloud", "Azure Cloud"])
def test_unknown_cloud_names_the_choices(name: str) -> None:
    with pytest.raises(UnknownCloud) as info:
        get_cloud(name)
    message = str(info.value)
    assert f"unknown cloud {name!r}" in message
    assert "AzureCloud, AzureUSGovernment, AzureChinaCloud" in message


@pytest.mark.parametrize(
    ("cloud", "uri"),
    [
        (AZURE_PUBLIC, "https://kv-byok.vault.azure.net/"),
        (AZURE_US_GOVERNMENT, "https://kv-byok.vault.usgovcloudapi.net/"),
        (AZURE_CHINA, "https://kv-byok.vault.azure.cn/"),
    ],
)
def test_vault_uri(cloud, uri: str) -> None:
    assert cloud.vault_uri("kv-byok") == uri
    assert cloud.vault_uri("KV-Byok") == uri  # Azure reports vault hosts in lowercase


@pytest.mark.parametrize("cloud", ALL, ids=lambda c: c.name)
def test_cloud_for_vault_host(cloud) -> None:
    host = "kv-byok" + cloud.vault_suffix
    assert cloud_for_vault_host(host) is cloud
    assert cloud_for_vault_host(host.upper()) is cloud
    assert cloud_for_vault_host(host + ".") is cloud  # fully qualified form


@pytest.mark.parametrize(
    "host",
    [
        "kv-byok.managedhsm.azure.net",
        "vault.azure.net",
        "kv-byok.vault.azure.net.example.com",
        "kv-byok.vault.azure.com",
        "management.azure.com",
        "",
    ],
)
def test_cloud_for_other_hosts_is_none(host: str) -> None:
    assert cloud_for_vault_host(host) is None


def test_admin_consent_url_matches_the_seed() -> None:
    # seed, Step 1 option 1: https://login.microsoftonline.com/<YOUR-TENANT-ID>/adminconsent?client_id=<KORE-CLIENT-ID>
    assert (
        AZURE_PUBLIC.admin_consent_url(TENANT, CLIENT)
        == f"https://login.microsoftonline.com/{TENANT}/adminconsent?client_id={CLIENT}"
    )


@pytest.mark.parametrize(
    ("cloud", "authority"),
    [
        (AZURE_PUBLIC, "https://login.microsoftonline.com"),
        (AZURE_US_GOVERNMENT, "https://login.microsoftonline.us"),
        (AZURE_CHINA, "https://login.chinacloudapi.cn"),
    ],
)
def test_admin_consent_url_uses_the_cloud_authority(cloud, authority: str) -> None:
    assert cloud.authority == authority
    assert cloud.admin_consent_url(TENANT, CLIENT).startswith(f"{authority}/{TENANT}/adminconsent?client_id=")


@pytest.mark.parametrize(
    ("cloud", "resource", "graph"),
    [
        (AZURE_PUBLIC, "https://vault.azure.net", "https://graph.microsoft.com/.default"),
        (AZURE_US_GOVERNMENT, "https://vault.usgovcloudapi.net", "https://graph.microsoft.us/.default"),
        (AZURE_CHINA, "https://vault.azure.cn", "https://microsoftgraph.chinacloudapi.cn/.default"),
    ],
)
def test_scopes(cloud, resource: str, graph: str) -> None:
    assert cloud.vault_resource == resource
    assert cloud.vault_scope == resource + "/.default"
    assert cloud.graph_scope == graph
    assert cloud.arm_scope.endswith("/.default")
    assert not cloud.arm_endpoint.endswith("/")
    assert cloud.vault_suffix.startswith(".")
    # every vault host is a child of the challenge resource's domain
    assert ("https://x" + cloud.vault_suffix).endswith(resource.removeprefix("https://"))
