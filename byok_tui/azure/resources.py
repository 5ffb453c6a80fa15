"""Subscriptions, locations and resource groups (azure-mgmt-resource, azure-mgmt-resource-subscriptions)."""

from __future__ import annotations

from byok_tui.azure import clients
from byok_tui.azure.errors import azure_errors
from byok_tui.azure.evidence import Evidence, text
from byok_tui.connection import Connection
from byok_tui.models import ResourceGroupInfo, SubscriptionInfo


def _group(rg) -> ResourceGroupInfo:
    return ResourceGroupInfo(name=rg.name, location=rg.location, id=rg.id or "")


async def list_subscriptions(conn: Connection) -> list[SubscriptionInfo]:
    with azure_errors("list subscriptions"):
        async with clients.subscriptions(conn) as client:
            return [
                SubscriptionInfo(
                    subscription_id=s.subscription_id,
                    tenant_id=s.tenant_id or "",
                    display_name=s.display_name or s.subscription_id,
                    state=text(s.state),
                )
                async for s in client.subscriptions.list()
            ]


async def list_locations(conn: Connection, subscription_id: str) -> list[str]:
    """Region names (e.g. "eastus") the subscription can use, sorted."""
    with azure_errors("list regions"):
        async with clients.subscriptions(conn) as client:
            names = [loc.name async for loc in client.subscriptions.list_locations(subscription_id)]
    return sorted(n for n in names if n)


async def list_resource_groups(conn: Connection, subscription_id: str) -> list[ResourceGroupInfo]:
    with azure_errors("list resource groups"):
        async with clients.resources(conn, subscription_id) as client:
            groups = [_group(rg) async for rg in client.resource_groups.list()]
    return sorted(groups, key=lambda g: g.name.lower())


async def get_resource_group(conn: Connection, subscription_id: str, name: str) -> ResourceGroupInfo | None:
    from azure.core.exceptions import ResourceNotFoundError

    with azure_errors(f"read resource group {name}"):
        async with clients.resources(conn, subscription_id) as client:
            try:
                return _group(await client.resource_groups.get(name))
            except ResourceNotFoundError:
                return None


async def create_resource_group(
    conn: Connection, subscription_id: str, name: str, location: str, evidence: Evidence | None = None
) -> ResourceGroupInfo:
    evidence = evidence or Evidence()
    with azure_errors(f"create resource group {name}"):
        async with clients.resources(conn, subscription_id) as client:
            rg = await client.resource_groups.create_or_update(
                name, {"location": location, "tags": {"created-by": "byok-tui"}}, **evidence.kwargs()
            )
    evidence.stop()
    return _group(rg)
