"""Builders for the SDK clients, all from one `Connection` (credential, transport, cloud).

Each builder returns a fresh client meant for `async with`, so the transport it owns is closed on
every path, including the cancellation an exclusive worker causes.
"""

from __future__ import annotations

from typing import Any

from byok_tui.connection import Connection

# ARM's default LRO poll interval is 30 s; a vault that is still registering DNS should not keep the
# operator waiting that long between polls.
ARM_POLLING_INTERVAL = 2

# azure-core retries 3 times on a throttled or failing status by default. A busy subscription throttles
# in bursts, so allow a few more attempts, still bounded (backoff 0.8 s doubling, at most 30 s a wait)
# and still honouring Retry-After. Timeouts keep a dead network from hanging the wizard.
RETRY = {
    "retry_total": 8,
    "retry_status": 6,
    "retry_connect": 3,
    "retry_read": 3,
    "retry_backoff_factor": 0.8,
    "retry_backoff_max": 30,
    "connection_timeout": 15,
    "read_timeout": 60,
}


def _kwargs(conn: Connection) -> dict[str, Any]:
    from byok_tui.azure.requestlog import RequestLogPolicy

    return {**RETRY, "per_retry_policies": [RequestLogPolicy()], **conn.sdk_kwargs()}


def credential(conn: Connection) -> Any:
    """The connection's credential, retrying token requests that fail for a passing reason."""
    from byok_tui.azure.resilience import ResilientCredential

    if isinstance(conn.credential, ResilientCredential):
        return conn.credential
    return ResilientCredential(conn.credential, sleep=conn.sleep)


def _arm_kwargs(conn: Connection) -> dict[str, Any]:
    return {"base_url": conn.cloud.arm_endpoint, "credential_scopes": [conn.cloud.arm_scope], **_kwargs(conn)}


def keyvault_mgmt(conn: Connection, subscription_id: str):
    from azure.mgmt.keyvault.aio import KeyVaultManagementClient

    return KeyVaultManagementClient(
        credential(conn), subscription_id, polling_interval=ARM_POLLING_INTERVAL, **_arm_kwargs(conn)
    )


def resources(conn: Connection, subscription_id: str):
    from azure.mgmt.resource.resources.aio import ResourceManagementClient

    return ResourceManagementClient(credential(conn), subscription_id, **_arm_kwargs(conn))


def subscriptions(conn: Connection):
    from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

    return SubscriptionClient(credential(conn), **_arm_kwargs(conn))


def authorization(conn: Connection, subscription_id: str):
    from azure.mgmt.authorization.aio import AuthorizationManagementClient

    return AuthorizationManagementClient(credential(conn), subscription_id, **_arm_kwargs(conn))


def keys(conn: Connection, vault_uri: str):
    from azure.keyvault.keys.aio import KeyClient

    return KeyClient(vault_uri.rstrip("/"), credential(conn), **_kwargs(conn))


def locks(conn: Connection, subscription_id: str):
    from azure.mgmt.resource.locks.aio import ManagementLockClient

    return ManagementLockClient(credential(conn), subscription_id, **_arm_kwargs(conn))


def monitor(conn: Connection, subscription_id: str):
    from azure.mgmt.monitor.aio import MonitorManagementClient

    return MonitorManagementClient(credential(conn), subscription_id, **_arm_kwargs(conn))


def loganalytics(conn: Connection, subscription_id: str):
    from azure.mgmt.loganalytics.aio import LogAnalyticsManagementClient

    return LogAnalyticsManagementClient(
        credential(conn), subscription_id, polling_interval=ARM_POLLING_INTERVAL, **_arm_kwargs(conn)
    )
