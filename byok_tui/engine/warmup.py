"""The Azure SDKs' first import, done on a worker thread so the UI never waits for it.

The adapters import their SDKs lazily (the UI starts fast), but a first use then imports on the caller's
thread: `msgraph` and the ~1,200 Graph model modules kiota imports while it parses its first replies cost
about a second of CPU, a frozen screen when it happens on the UI's event loop. The engine awaits
`sdk_imports()` before its first SDK call: the same imports, once, on a thread, while the loop keeps
drawing. Afterwards everything loaded so far is moved out of the garbage collector's sight
(`gc.freeze`): those modules live for the whole run, and scanning them on every full collection was a
pause of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import threading

MODULES = (
    "msgraph",
    "msgraph.graph_request_adapter",
    "msgraph.generated.service_principals.service_principals_request_builder",
    "msgraph.generated.users.item.user_item_request_builder",
    "msgraph.generated.models.o_data_errors.o_data_error",
    "msgraph_core",
    "kiota_http.kiota_client_factory",
    "kiota_authentication_azure.azure_identity_authentication_provider",
    "azure.mgmt.resource.subscriptions.aio",
    "azure.mgmt.resource.resources.aio",
    "azure.mgmt.keyvault.aio",
    "azure.mgmt.authorization.aio",
    "azure.mgmt.authorization.v2022_04_01.aio",
    "azure.keyvault.keys.aio",
    # The protect step's: the monitor client alone imported on the loop at its first read (69 ms, #17).
    "azure.mgmt.resource.locks.aio",
    "azure.mgmt.monitor.aio",
    "azure.mgmt.loganalytics.aio",
    "byok_tui.azure.auth",
    "byok_tui.azure.graph",
    "byok_tui.azure.graph_retry",
    "byok_tui.azure.keys",
    "byok_tui.azure.locks",
    "byok_tui.azure.monitor",
    "byok_tui.azure.network",
    "byok_tui.azure.rbac",
    "byok_tui.azure.resources",
    "byok_tui.azure.vaults",
    "byok_tui.kore.bots",
)
GRAPH_MODELS = (
    "directory_object_collection_response",
    "directory_object",
    "directory_role",
    "service_principal",
    "service_principal_collection_response",
    "organization",
    "organization_collection_response",
    "user",
    "group",
)
"""Graph replies the adapters parse: asking each model for its field deserializers imports the models
its fields refer to, as kiota does lazily in the middle of a parse."""

_lock = threading.Lock()
_done = False


async def sdk_imports() -> None:
    """Import the SDKs on a worker thread (once per process); returns at once when already done."""
    if not _done:
        await asyncio.to_thread(_import_all)


def _import_all() -> None:
    global _done
    with _lock:
        if _done:
            return
        for name in MODULES:
            _try_import(name)
        for name in GRAPH_MODELS:
            module = _try_import(f"msgraph.generated.models.{name}")
            for cls in list(vars(module).values()) if module else ():
                if isinstance(cls, type) and cls.__module__ == module.__name__:
                    deserializers = getattr(cls, "get_field_deserializers", None)
                    if deserializers is not None:
                        with contextlib.suppress(Exception):  # not warmed: imported at first parse
                            deserializers(cls.__new__(cls))
        # No gc.collect() first: a full collection holds the interpreter lock throughout, the very pause
        # this module avoids. The little garbage frozen with the modules is never reclaimed; that is fine.
        gc.freeze()
        _done = True


def _try_import(name: str):
    # A missing optional SDK is the adapter's problem to report, at its first use, in its own words.
    try:
        return importlib.import_module(name)
    except ImportError:
        return None
