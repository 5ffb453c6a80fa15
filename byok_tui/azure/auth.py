"""Live sign-in for headless runs: reuse an Azure CLI login, or a service principal from the environment.

The interactive methods (device code shown in the terminal) belong to the Sign-in screen.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from byok_tui.clouds import AzureCloud
from byok_tui.connection import Connection
from byok_tui.errors import AuthError

METHODS = ("azure-cli", "environment")


def credential_for(method: str, tenant_id: str, cloud: AzureCloud) -> Any:
    if method == "azure-cli":
        from azure.identity.aio import AzureCliCredential

        return AzureCliCredential(tenant_id=tenant_id or None)
    if method == "environment":
        from azure.identity.aio import EnvironmentCredential

        return EnvironmentCredential(authority=cloud.authority_host)
    raise AuthError(f"Unknown sign-in method {method!r}", remedy=f"Use one of: {', '.join(METHODS)}.")


def live_connection(method: str, tenant_id: str, cloud: AzureCloud) -> Connection:
    return Connection(credential=credential_for(method, tenant_id, cloud), cloud=cloud, label="Azure")


def _claims(token: str) -> dict[str, Any]:
    # Only the operator's own identity is read from the token's payload; the token itself is never
    # stored or printed. No signature check: Azure verifies the token, we only read who we are.
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


async def whoami(conn: Connection) -> dict[str, str]:
    """{"object_id", "tenant_id"} of the signed-in identity, read from an ARM token."""
    from azure.core.exceptions import ClientAuthenticationError

    try:
        token = await conn.credential.get_token(conn.cloud.arm_scope)
    except ClientAuthenticationError as e:
        raise AuthError(
            "Sign-in failed",
            detail=str(e).splitlines()[0] if str(e) else "",
            remedy="For the Azure CLI run `az login`; for a service principal set AZURE_TENANT_ID, "
            "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.",
        ) from e
    claims = _claims(token.token)
    return {"object_id": str(claims.get("oid", "")), "tenant_id": str(claims.get("tid", ""))}
