"""Step 2 of the seed: prepare the Key Vault and the RSA key.

plan -> apply -> check, plus the live look-ups the form needs (groups, vaults, keys, name availability).
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_ID = "vault"
TITLE = "Key Vault and key"
PURPOSE = "Create or choose the Key Vault and the RSA key that will encrypt your Kore.ai data."

KEY_SIZES = (2048, 3072, 4096)
SKUS = ("standard", "premium")
REQUIRED_KEY_OPS = ("encrypt", "decrypt", "wrapKey", "unwrapKey")


@dataclass(frozen=True)
class ResourceGroupInfo:
    name: str
    location: str


@dataclass(frozen=True)
class VaultInfo:
    name: str
    id: str
    location: str
    resource_group: str
    uri: str
    sku: str
    soft_delete: bool
    purge_protection: bool
    rbac_authorization: bool


@dataclass(frozen=True)
class KeyInfo:
    name: str
    kid: str
    """Full identifier with version."""
    kty: str
    size: int | None
    enabled: bool
    key_ops: tuple[str, ...]
    expires_on: str = ""
    """ISO-8601 expiry, "" when the key never expires."""


@dataclass(frozen=True)
class NameCheck:
    available: bool
    reason: str = ""
    """"AlreadyExists", "AccountNameInvalid" or "" when available."""
    message: str = ""
