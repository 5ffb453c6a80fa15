"""Translate SDK exceptions into `AzureError`s that say what happened, what to do, and the request id.

Done once, here, at the adapter boundary: the engine, screens and CLI never see azure-core exceptions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from byok_tui.azure import netdiag
from byok_tui.azure.evidence import request_id_of
from byok_tui.errors import AuthError, AzureError

PROPAGATION = "New role assignments can take up to 10 minutes to reach the Key Vault data plane."

# Remedies keyed by the most specific error code Azure returns (Key Vault's inner code first).
REMEDIES: dict[str, str] = {
    "ForbiddenByRbac": (
        "Give the caller a Key Vault data role on this vault: Key Vault Crypto Officer to create keys, "
        "Key Vault Crypto User to use them. Owner and Contributor grant no data-plane access. " + PROPAGATION
    ),
    "ForbiddenByPolicy": (
        "Add an access policy for the caller with the key permissions named above "
        "(az keyvault set-policy), or move the vault to the Azure RBAC permission model."
    ),
    "ForbiddenByFirewall": (
        "Allow this machine's public IP in the vault's firewall (az keyvault network-rule add --ip-address), "
        "or run the wizard from a network the vault already allows."
    ),
    "ForbiddenByConnection": (
        "Public network access is disabled on this vault: enable it for selected networks, "
        "or run the wizard from a network with an approved private endpoint."
    ),
    "KeyDisabled": "Enable the key (az keyvault key set-attributes --enabled true) or choose another key.",
    "AuthorizationFailed": (
        "Ask a subscription Owner or User Access Administrator to grant you a role that allows this "
        "action at this scope: Contributor to create resources, Owner or User Access Administrator to "
        "assign roles."
    ),
    "VaultAlreadyExists": "Key Vault names are global across Azure: choose another name.",
    "ConflictError": (
        "A deleted vault still holds this name: recover it (az keyvault recover --name NAME) or, if purge "
        "protection allows, purge it, or choose another name."
    ),
    "ObjectIsDeletedButRecoverable": (
        "A deleted key still holds this name: recover it (az keyvault key recover) or choose another name."
    ),
    "ResourceGroupNotFound": "Create the resource group first, or choose an existing one.",
    "ResourceNotFound": "Check the name and the subscription, or let the wizard create it.",
    "KeyNotFound": "Check the key name, or let the wizard generate the key.",
    "VaultNameNotValid": "Key Vault names are 3-24 letters, digits and hyphens, starting with a letter.",
    "BadParameter": "Correct the value the message names and try again.",
    "BadRequest": "Correct the value the message names and try again.",
    "InvalidAuthenticationToken": "Sign in again: the token was refused.",
    "ExpiredAuthenticationToken": "Sign in again: the token expired.",
    "InvalidAuthenticationTokenTenant": "Sign in to the tenant that owns this subscription.",
    "SubscriptionNotFound": "Check the subscription id and that your account can see it (az account list).",
    "RoleAssignmentExists": "The role is already assigned; nothing to do.",
    "PrincipalNotFound": (
        "The principal is not visible to Azure Resource Manager yet; wait a minute and retry. "
        "A service principal created moments ago takes time to replicate."
    ),
    "Throttled": "Azure is throttling requests: wait a minute and retry.",
    "ScopeLocked": (
        "A delete lock protects this resource (byok-tui's Protect step puts one on the vault). If the deletion "
        "is really meant, remove the lock first (az lock delete, or the Protect step's removal), then retry."
    ),
    # Microsoft Graph
    "Authorization_RequestDenied": (
        "Your account may not create service principals. Ask a Global Administrator, Application "
        "Administrator or Cloud Application Administrator to open the admin-consent URL (option 1), "
        "or to run this step."
    ),
    "Request_BadRequest": (
        "Entra ID does not know this client id as a multi-tenant application: check the Kore client id "
        "in your profile with Kore.ai support."
    ),
    "Request_ResourceNotFound": "The object does not exist in this tenant (yet); check the id.",
    "TooManyRequests": "Azure is throttling requests: wait a minute and retry.",
}

STATUS_REMEDIES: dict[int, str] = {
    401: "Sign in again.",
    403: "Ask an administrator for the permission this action needs.",
    404: "Check the name and the subscription.",
    409: "The resource is in a conflicting state; refresh and retry.",
    429: "Azure is throttling requests: wait a minute and retry.",
}


def _codes(exc: object) -> tuple[str, str]:
    """(outer code, most specific code) of an azure-core HttpResponseError."""
    error = getattr(exc, "error", None)
    outer = getattr(error, "code", None) or ""
    inner = ""
    innererror = getattr(error, "innererror", None)
    if isinstance(innererror, dict):
        inner = innererror.get("code") or ""
    return outer, inner or outer


def _message(exc: object) -> str:
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    # Azure's messages use \r\n between facts; one line per fact reads better everywhere.
    return "\n".join(line.strip() for line in str(message).replace("\r", "").split("\n") if line.strip())


def translate(exc: BaseException, action: str) -> AzureError:
    """An AzureError for `exc`, raised while doing `action` (a phrase like "create key vault kv1")."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    title = f"Could not {action}"
    if getattr(exc, "response", None) is None and (network := netdiag.diagnose(exc)) is not None:
        return network
    if isinstance(exc, ClientAuthenticationError) and getattr(exc, "response", None) is None:
        return AuthError(
            f"{title}: sign-in failed",
            detail=_message(exc),
            remedy="Sign in again (for the Azure CLI: az login), and check the tenant.",
        )
    if isinstance(exc, HttpResponseError):
        outer, code = _codes(exc)
        status = exc.status_code
        remedy = REMEDIES.get(code) or REMEDIES.get(outer) or STATUS_REMEDIES.get(status or 0, "")
        if not remedy and status and status >= 500:
            remedy = "Azure reported a transient failure: retry. If it persists, check the Azure status page."
        cls = AuthError if status == 401 else AzureError
        return cls(
            f"{title}: {code or 'HTTP ' + str(status)}",
            detail=_message(exc),
            remedy=remedy,
            request_id=request_id_of(exc.response),
            code=code,
            status=status,
        )
    if _is_graph_error(exc):
        return _graph_error(exc, title)
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return AzureError(
            f"{title}: Azure could not be reached",
            detail=_message(exc),
            remedy="Check the network, DNS and any proxy; for a vault, check its name and region.",
        )
    return AzureError(f"{title}: {type(exc).__name__}", detail=str(exc))


def _is_graph_error(exc: BaseException) -> bool:
    from kiota_abstractions.api_error import APIError

    return isinstance(exc, APIError)


def _graph_error(exc: BaseException, title: str) -> AzureError:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or ""
    message = getattr(error, "message", None) or str(exc)
    inner = getattr(error, "inner_error", None)
    request_id = getattr(inner, "request_id", None) or ""
    if not request_id:
        headers = getattr(exc, "response_headers", None) or {}
        request_id = headers.get("request-id", "") if isinstance(headers, dict) else ""
    status = getattr(exc, "response_status_code", None)
    remedy = REMEDIES.get(code) or STATUS_REMEDIES.get(status or 0, "")
    cls = AuthError if status == 401 else AzureError
    return cls(f"{title}: {code or 'HTTP ' + str(status)}", detail=message, remedy=remedy,
               request_id=request_id, code=code, status=status)  # fmt: skip


def _network_error(exc: BaseException, title: str) -> AzureError:
    if (network := netdiag.diagnose(exc)) is not None:
        return network
    return AzureError(
        f"{title}: Azure could not be reached",
        detail=str(exc) or type(exc).__name__,
        remedy="Check the network, DNS and any proxy, then retry.",
    )


@contextlib.contextmanager
def azure_errors(action: str) -> Iterator[None]:
    """Turn any SDK exception raised inside (azure-core, Graph, httpx) into an AzureError for `action`."""
    import httpx
    from azure.core.exceptions import AzureError as SdkError
    from kiota_abstractions.api_error import APIError

    try:
        yield
    except (SdkError, APIError) as exc:
        raise translate(exc, action) from exc
    except httpx.HTTPError as exc:
        raise _network_error(exc, f"Could not {action}") from exc
