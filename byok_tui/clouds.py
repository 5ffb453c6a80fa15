"""Endpoints of the Azure clouds the wizard can work in.

Plain data: every adapter derives its URLs and token scopes from an `AzureCloud`, so the
sandbox and a sovereign cloud differ from public Azure only in the `Connection` they hand in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AzureCloud:
    """One Azure cloud's public endpoints."""

    name: str
    """Name as the Azure CLI spells it (`az cloud list`)."""
    display_name: str
    authority_host: str
    """Host of the Entra ID sign-in authority, without scheme."""
    arm_endpoint: str
    """Resource Manager base URL, no trailing slash."""
    arm_scope: str
    """Token scope for Resource Manager (differs from the endpoint in US Government)."""
    vault_suffix: str
    """DNS suffix of Key Vault hosts, with the leading dot."""
    graph_endpoint: str
    """Microsoft Graph base URL, no trailing slash and no version."""

    @property
    def vault_resource(self) -> str:
        """The Key Vault challenge resource (a parent domain of every vault host)."""
        return "https://" + self.vault_suffix.lstrip(".")

    @property
    def vault_scope(self) -> str:
        return self.vault_resource + "/.default"

    @property
    def graph_scope(self) -> str:
        return self.graph_endpoint + "/.default"

    @property
    def authority(self) -> str:
        return "https://" + self.authority_host

    def vault_uri(self, vault_name: str) -> str:
        """The data-plane URI Azure reports for a vault (with the trailing slash the portal shows)."""
        return f"https://{vault_name.lower()}{self.vault_suffix}/"

    def admin_consent_url(self, tenant_id: str, client_id: str) -> str:
        return f"{self.authority}/{tenant_id}/adminconsent?client_id={client_id}"


AZURE_PUBLIC = AzureCloud(
    name="AzureCloud",
    display_name="Azure (public)",
    authority_host="login.microsoftonline.com",
    arm_endpoint="https://management.azure.com",
    arm_scope="https://management.azure.com/.default",
    vault_suffix=".vault.azure.net",
    graph_endpoint="https://graph.microsoft.com",
)

AZURE_US_GOVERNMENT = AzureCloud(
    name="AzureUSGovernment",
    display_name="Azure US Government",
    authority_host="login.microsoftonline.us",
    arm_endpoint="https://management.usgovcloudapi.net",
    arm_scope="https://management.core.usgovcloudapi.net/.default",
    vault_suffix=".vault.usgovcloudapi.net",
    graph_endpoint="https://graph.microsoft.us",
)

AZURE_CHINA = AzureCloud(
    name="AzureChinaCloud",
    display_name="Azure China (21Vianet)",
    authority_host="login.chinacloudapi.cn",
    arm_endpoint="https://management.chinacloudapi.cn",
    arm_scope="https://management.chinacloudapi.cn/.default",
    vault_suffix=".vault.azure.cn",
    graph_endpoint="https://microsoftgraph.chinacloudapi.cn",
)

CLOUDS: dict[str, AzureCloud] = {c.name: c for c in (AZURE_PUBLIC, AZURE_US_GOVERNMENT, AZURE_CHINA)}


class UnknownCloud(KeyError):
    """A cloud name that is not one of CLOUDS; unlike KeyError's, str() is a message for a person."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def get_cloud(name: str) -> AzureCloud:
    """Look a cloud up by its CLI name, case-insensitively; raise UnknownCloud naming the choices."""
    wanted = str(name or "").strip().lower()
    for cloud in CLOUDS.values():
        if cloud.name.lower() == wanted:
            return cloud
    raise UnknownCloud(f"unknown cloud {name!r}: choose one of {', '.join(CLOUDS)}")


def cloud_for_vault_host(host: str) -> AzureCloud | None:
    """The cloud whose Key Vault DNS suffix this host carries, if any."""
    host = host.lower().rstrip(".")
    for cloud in CLOUDS.values():
        if host.endswith(cloud.vault_suffix):
            return cloud
    return None
