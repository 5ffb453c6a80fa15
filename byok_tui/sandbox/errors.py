"""Error replies in the shapes Azure uses, raised by handlers and turned into responses by the router.

ARM bodies are `{"error": {"code", "message", "target"?, "details"?}}`; Key Vault bodies add a lower-case
`innererror` (azure-wire §3.6, §4.1). Handlers raise `ApiError`; nothing else becomes an error reply, so a bug
in the sandbox surfaces as a Python exception instead of a plausible-looking Azure refusal.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error reply: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict[str, Any] | None, headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}

    @property
    def code(self) -> str:
        return ((self.body or {}).get("error") or {}).get("code", "")


def arm_error(
    status: int, code: str, message: str, *, target: str | None = None, headers: dict[str, str] | None = None
) -> ApiError:
    error: dict[str, Any] = {"code": code, "message": message}
    if target:
        error["target"] = target
    return ApiError(status, {"error": error}, headers)


def kv_error(
    status: int, code: str, message: str, inner: str | None = None, headers: dict[str, str] | None = None
) -> ApiError:
    error: dict[str, Any] = {"code": code, "message": message}
    if inner:
        error["innererror"] = {"code": inner}
    return ApiError(status, {"error": error}, headers)


def arm_not_found(resource_type: str, name: str, resource_group: str) -> ApiError:
    """ARM's generic 404 for a resource missing from an existing resource group."""
    return arm_error(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def rg_not_found(resource_group: str) -> ApiError:
    return arm_error(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")


def arm_bad_request(message: str, code: str = "BadRequest") -> ApiError:
    return arm_error(400, code, message)


def kv_bad_parameter(message: str) -> ApiError:
    return kv_error(400, "BadParameter", message)
