"""Who is signed in, and where: the tenant, the subscriptions, the operator's object id.

The full Sign-in step (device code, cloud and tenant pickers, pre-flight of permissions) builds on
this; today it serves the sandbox and headless runs, where the credential already exists.
"""

from __future__ import annotations

import dataclasses

from byok_tui.connection import Connection
from byok_tui.errors import ByokError
from byok_tui.models import SubscriptionInfo
from byok_tui.state import SigninState


async def subscriptions(conn: Connection) -> list[SubscriptionInfo]:
    from byok_tui.azure import resources

    return [s for s in await resources.list_subscriptions(conn) if s.state.lower() in ("enabled", "")]


async def operator_object_id(conn: Connection) -> str:
    if conn.operator_object_id:
        return conn.operator_object_id
    from byok_tui.azure import auth

    return (await auth.whoami(conn))["object_id"]


async def discover(conn: Connection, current: SigninState | None = None) -> SigninState:
    """Fill in what the connection can tell: the operator, and the subscription if there is one choice.

    Keeps any tenant or subscription already chosen, as long as the signed-in identity can see it.
    """
    current = current or SigninState()
    subs = await subscriptions(conn)
    if not subs:
        raise ByokError(
            "This identity can see no enabled subscription",
            remedy="Ask for a role (Owner, or Contributor plus User Access Administrator) on the "
            "subscription that will hold the Key Vault, or sign in to the right tenant.",
        )
    chosen = next((s for s in subs if s.subscription_id.lower() == current.subscription_id.lower()), None)
    if chosen is None and len(subs) == 1:
        chosen = subs[0]
    return dataclasses.replace(
        current,
        cloud=conn.cloud.name,
        method=current.method or ("sandbox" if conn.is_sandbox else current.method),
        subscription_id=chosen.subscription_id if chosen else current.subscription_id,
        tenant_id=(chosen.tenant_id if chosen else current.tenant_id) or current.tenant_id,
        operator_object_id=await operator_object_id(conn),
    )
