"""Adapters over the real Azure SDKs: the only modules that import azure.*, msgraph or httpx.

Every function takes a `Connection` and returns plain data from `byok_tui.models`; every SDK
exception is translated into a `byok_tui.errors.AzureError` with a cause, a remedy and a request id.
SDK imports happen inside the functions so that starting the UI never pays for them.
"""
