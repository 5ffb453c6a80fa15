"""Pure validators for everything an operator types, pastes or puts in an answers file.

Every validator takes the raw value and returns `None` when it is valid, or ONE sentence that
names the field and the rule it breaks ("Key vault name must be 3–24 characters long (this one
has 2)."). Validators never raise: any string (control characters, megabytes of text) and even a
wrong type gets a message. Values echoed in a message are quoted, escaped and cut short.

Textual only wraps these (a five-line `Validator` adapter); the engine and the CLI call them as is.
Sources of the rules: Azure "Naming rules and restrictions for Azure resources", "Azure Key Vault
keys, secrets and certificates overview" (object identifiers), the Key Vault and Resource Groups
REST references, and the Key Vault `IPRule` model ("an IPv4 address range in CIDR notation, such
as '124.56.78.91' (simple IP address) or '124.56.78.0/24'").
"""

from __future__ import annotations

import calendar
import datetime as dt
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from byok_tui.clouds import CLOUDS, AzureCloud, UnknownCloud, get_cloud

FIELDS: dict[str, str] = {
    "guid": "ID",
    "tenant_id": "Tenant ID",
    "subscription_id": "Subscription ID",
    "kore_client_id": "Kore client ID",
    "vault_name": "Key vault name",
    "key_name": "Key name",
    "resource_group_name": "Resource group name",
    "location": "Region",
    "key_size": "RSA key size",
    "sku": "Pricing tier",
    "vault_uri": "Key Vault URI",
    "key_identifier": "Key identifier",
    "enforcement_date": "Enforcement date",
    "ipv4": "IP address",
    "cidr": "CIDR range",
    "ip_rule": "Firewall IP rule",
    "profile_host": "Kore platform host",  # Kore's docs call it the Environment URL
}
"""Validator name → the human label its messages start with."""

KEY_SIZES: tuple[int, ...] = (2048, 3072, 4096)
SKUS: tuple[str, ...] = ("standard", "premium")

_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_HEX = frozenset("0123456789abcdefABCDEF")
_NAME_CHARS = _ASCII_LETTERS | _DIGITS | {"-"}
_HOST_CHARS = _NAME_CHARS | {"."}
# Char.IsLetterOrDigit in .NET, which ARM uses for resource group names (template reference).
_LETTER_OR_DIGIT = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd"})
_GUID_EXAMPLE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
_PRIVATE_V4 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_SHOW_LIMIT = 40


# --- message helpers ----------------------------------------------------------------------


def _show(text: str) -> str:
    """Quote a value for a message: invisible characters escaped, long values cut short."""
    out = []
    for c in text[:_SHOW_LIMIT]:
        if unicodedata.category(c)[0] in "CZ" and c != " ":
            out.append(c.encode("unicode_escape").decode("ascii"))
        else:
            out.append(c)
    return "'" + "".join(out) + ("…" if len(text) > _SHOW_LIMIT else "") + "'"


def _found(c: str) -> str:
    return "(found a space)" if c == " " else f"(found {_show(c)})"


def _first_bad(text: str, allowed: frozenset[str]) -> str | None:
    return next((c for c in text if c not in allowed), None)


def _sentence(label: str, rule: str | None) -> str | None:
    return None if rule is None else f"{label} {rule}."


# --- GUIDs --------------------------------------------------------------------------------


def _guid_rule(text: object) -> str | None:
    if not isinstance(text, str):
        return "must be text"
    if not text:
        return "is required"
    if "{" in text or "}" in text:
        return "must be written without braces (remove the '{' and '}')"
    bad = next((c for c in text if c not in _HEX and c != "-"), None)
    if bad is not None:
        return f"may contain only hexadecimal digits (0–9, a–f) and hyphens {_found(bad)}"
    groups = text.split("-")
    if len(groups) == 1 and len(text) == 32:
        return f"must have hyphens in the 8-4-4-4-12 pattern, e.g. {_GUID_EXAMPLE}"
    shape = tuple(len(g) for g in groups)
    if shape != (8, 4, 4, 4, 12):
        seen = "is " + "-".join(map(str, shape)) if len(shape) <= 8 else f"has {len(shape)} groups"
        return f"must be a GUID in the 8-4-4-4-12 pattern, e.g. {_GUID_EXAMPLE} (this one {seen})"
    return None


def guid(text: str, field: str = "ID") -> str | None:
    """A canonical GUID: 8-4-4-4-12 hexadecimal digits, either case, no braces."""
    return _sentence(field, _guid_rule(text))


def tenant_id(text: str) -> str | None:
    return guid(text, FIELDS["tenant_id"])


def subscription_id(text: str) -> str | None:
    return guid(text, FIELDS["subscription_id"])


def kore_client_id(text: str) -> str | None:
    return guid(text, FIELDS["kore_client_id"])


# --- names --------------------------------------------------------------------------------


def _vault_rule(text: object) -> str | None:
    if not isinstance(text, str):
        return "must be text"
    if not text:
        return "is required"
    if not 3 <= len(text) <= 24:
        return f"must be 3–24 characters long (this one has {len(text)})"
    bad = _first_bad(text, _NAME_CHARS)
    if bad is not None:
        return f"may contain only ASCII letters, digits and hyphens {_found(bad)}"
    if text[0] not in _ASCII_LETTERS:
        return f"must start with a letter (this one starts with {_show(text[0])})"
    if text[-1] == "-":
        return "must end with a letter or digit (this one ends with '-')"
    if "--" in text:
        return "must not contain two hyphens in a row ('--')"
    return None


def vault_name(text: str) -> str | None:
    """3–24 ASCII letters, digits and hyphens; starts with a letter, ends with a letter or digit, no '--'."""
    return _sentence(FIELDS["vault_name"], _vault_rule(text))


def _key_rule(text: object, *, letter_first: bool = True) -> str | None:
    if not isinstance(text, str):
        return "must be text"
    if not text:
        return "is required"
    if len(text) > 127:
        return f"must be 1–127 characters long (this one has {len(text)})"
    bad = _first_bad(text, _NAME_CHARS)
    if bad is not None:
        return f"may contain only ASCII letters, digits and hyphens {_found(bad)}"
    if letter_first and text[0] not in _ASCII_LETTERS:
        return f"must start with a letter (this one starts with {_show(text[0])})"
    return None


def key_name(text: str, *, existing: bool = False) -> str | None:
    """A key name: 1–127 ASCII letters, digits and hyphens, starting with a letter.

    The "starts with a letter" rule is in some versions of the Key Vault docs but not in the REST
    API (`^[0-9a-zA-Z-]+$`). New names follow the stricter rule; pass `existing=True` to check the
    name of a key that already exists (adopted), which only has to satisfy the API.
    """
    return _sentence(FIELDS["key_name"], _key_rule(text, letter_first=not existing))


def _rg_char_ok(c: str) -> bool:
    # .NET chars are UTF-16 units: a letter outside the BMP is a surrogate pair, which ARM refuses.
    return c in "_-.()" or (ord(c) <= 0xFFFF and unicodedata.category(c) in _LETTER_OR_DIGIT)


def resource_group_name(text: str) -> str | None:
    """1–90 letters (any script), digits, underscores, hyphens, periods, parentheses; no final period."""
    label = FIELDS["resource_group_name"]
    if not isinstance(text, str):
        return f"{label} must be text."
    if not text:
        return f"{label} is required."
    if len(text) > 90:
        return f"{label} must be 1–90 characters long (this one has {len(text)})."
    bad = next((c for c in text if not _rg_char_ok(c)), None)
    if bad is not None:
        return f"{label} may contain only letters, digits, underscores, hyphens, periods and parentheses {_found(bad)}."
    if text.endswith("."):
        return f"{label} must not end with a period."
    return None


def location(text: str) -> str | None:
    """An Azure region as Resource Manager spells it: lowercase ASCII letters and digits ("eastus2")."""
    label = FIELDS["location"]
    if not isinstance(text, str):
        return f"{label} must be text."
    if not text:
        return f"{label} is required."
    if text[0] in _LOWER and not _first_bad(text, _LOWER | _DIGITS):
        return None
    hint = "".join(c for c in text.lower() if c in _LOWER or c in _DIGITS)
    suggestion = f"; try {_show(hint)}" if hint and hint[0] in _LOWER else ""
    return (
        f"{label} must be the name Azure Resource Manager uses: lowercase letters and digits with no "
        f"spaces, e.g. 'eastus2' rather than 'East US 2'{suggestion}."
    )


def key_size(value: int | str) -> str | None:
    """RSA key size in bits: 2048, 3072 or 4096 (an int, or its decimal text)."""
    label = FIELDS["key_size"]
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 6 and not _first_bad(value, _DIGITS):
        number = int(value)
    if number in KEY_SIZES:
        return None
    if value == "":
        return f"{label} is required."
    if isinstance(value, str):
        seen = _show(value)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**12:
        seen = str(value)
    else:
        big = isinstance(value, int) and not isinstance(value, bool)
        seen = "a very large number" if big else f"a value of type {type(value).__name__}"
    return f"{label} must be 2048, 3072 or 4096 bits (found {seen})."


def sku(text: str) -> str | None:
    """The vault pricing tier: "standard" or "premium", in any case."""
    label = FIELDS["sku"]
    if not isinstance(text, str):
        return f"{label} must be text."
    if not text:
        return f"{label} is required."
    if text.isascii() and text.lower() in SKUS:
        return None
    return f"{label} must be 'standard' or 'premium' (found {_show(text)})."


# --- vault URIs and key identifiers --------------------------------------------------------


@dataclass(frozen=True)
class KeyIdentifier:
    """A parsed Key Vault key identifier (`kid`), e.g. https://name.vault.azure.net/keys/k/0123…"""

    vault_name: str
    """The vault name, lowercased (vault host names are case-insensitive)."""
    vault_uri: str
    """The vault's data-plane URI as Azure reports it, with the trailing slash."""
    key_name: str
    """The key name as written in the identifier."""
    version: str
    """The 32-hex-character key version, or "" for a versionless identifier."""
    cloud: str
    """CLI name of the cloud whose vault DNS suffix the host carries (see clouds.py)."""

    @property
    def versionless_id(self) -> str:
        return f"{self.vault_uri}keys/{self.key_name}"

    @property
    def key_id(self) -> str:
        """The identifier in canonical form (lowercase host, version if there is one)."""
        return self.versionless_id + (f"/{self.version}" if self.version else "")


def _clouds_for(cloud: AzureCloud | str | None) -> tuple[AzureCloud, ...] | str:
    if cloud is None:
        return tuple(CLOUDS.values())
    if isinstance(cloud, AzureCloud):
        return (cloud,)
    try:
        return (get_cloud(str(cloud)),)
    except UnknownCloud:
        return f"cannot be checked against unknown cloud {_show(str(cloud))}"


def _split_vault_url(text: object, cloud: AzureCloud | str | None) -> tuple[AzureCloud, str, str] | str:
    """(cloud, vault name, path after the host) for an https URL on a vault host, or a rule phrase."""
    clouds = _clouds_for(cloud)
    if isinstance(clouds, str):
        return clouds
    example = f"https://NAME{clouds[0].vault_suffix}/"
    if not isinstance(text, str):
        return "must be text"
    if not text:
        return "is required"
    bad = next((c for c in text if c.isspace() or unicodedata.category(c)[0] == "C"), None)
    if bad is not None:
        return f"must not contain spaces or control characters {_found(bad)}"
    scheme, sep, rest = text.partition("://")
    if not sep:
        return f"must start with https://, like {example}"
    if scheme.lower() != "https":
        return f"must use https:// (found {_show(scheme + '://')})"
    if "?" in rest or "#" in rest:
        return "must not have a query ('?') or fragment ('#')"
    host, slash, path = rest.partition("/")
    if "@" in host:
        return "must not include a user name ('@')"
    if ":" in host:
        return "must not include a port"
    if not host.isascii():
        return f"must have an ASCII host name {_found(next(c for c in host if not c.isascii()))}"
    lowered = host.lower()
    match = next((c for c in clouds if lowered.endswith(c.vault_suffix)), None)
    if match is None:
        suffixes = [c.vault_suffix for c in clouds]
        listed = suffixes[0] if len(suffixes) == 1 else ", ".join(suffixes[:-1]) + " or " + suffixes[-1]
        return f"must be on a Key Vault host ending in {listed} (found {_show(host)})"
    name = host[: -len(match.vault_suffix)]
    if "." in name:
        return f"must name the vault directly before {match.vault_suffix} (found {_show(name)})"
    rule = _vault_rule(name)
    if rule is not None:
        return f"names an invalid vault: the vault name {rule}"
    return match, name.lower(), slash + path


def vault_uri(text: str, cloud: AzureCloud | str | None = None) -> str | None:
    """https://NAME.vault.azure.net/ (trailing slash optional) on any cloud's vault suffix, or `cloud`'s."""
    label = FIELDS["vault_uri"]
    parts = _split_vault_url(text, cloud)
    if isinstance(parts, str):
        return f"{label} {parts}."
    _, _, path = parts
    if path in ("", "/"):
        return None
    if path.lower().startswith("/keys/"):
        return f"{label} must be the vault address only; this looks like a key identifier (remove {_show(path)})."
    return f"{label} must have nothing after the host name (found {_show(path)})."


def _parse_kid(text: object, cloud: AzureCloud | str | None) -> KeyIdentifier | str:
    parts = _split_vault_url(text, cloud)
    if isinstance(parts, str):
        return parts
    found_cloud, name, path = parts
    segments = path[1:].split("/") if path else [""]
    kind = segments[0].lower()
    if kind in ("secrets", "certificates"):
        return f"points at {kind}, not a key (expected /keys/NAME after the host)"
    if kind != "keys":
        return f"must have /keys/NAME after the host, like https://NAME{found_cloud.vault_suffix}/keys/KEY"
    if len(segments) < 2 or not segments[1]:
        return "is missing the key name after /keys/"
    if len(segments) > 3:
        return "has extra parts after the key version"
    rule = _key_rule(segments[1], letter_first=False)
    if rule is not None:
        return f"names an invalid key: the key name {rule}"
    version = segments[2] if len(segments) == 3 else ""
    if len(segments) == 3 and (len(version) != 32 or _first_bad(version, _HEX)):
        if not version:
            return "must not end with '/' after the key name"
        return f"has an invalid key version: it must be 32 hexadecimal characters (found {_show(version)})"
    return KeyIdentifier(
        vault_name=name,
        vault_uri=found_cloud.vault_uri(name),
        key_name=segments[1],
        version=version,
        cloud=found_cloud.name,
    )


def parse_key_identifier(text: str, cloud: AzureCloud | str | None = None) -> KeyIdentifier | None:
    """The parts of a key identifier, or None when `key_identifier` would refuse it."""
    parsed = _parse_kid(text, cloud)
    return parsed if isinstance(parsed, KeyIdentifier) else None


def key_identifier(text: str, cloud: AzureCloud | str | None = None) -> str | None:
    """https://VAULT{suffix}/keys/NAME, optionally /VERSION (32 hex characters), on any cloud or `cloud`."""
    parsed = _parse_kid(text, cloud)
    return None if isinstance(parsed, KeyIdentifier) else f"{FIELDS['key_identifier']} {parsed}."


# --- dates --------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _date_rule(text: object) -> dt.date | str:
    if not isinstance(text, str):
        return "must be text"
    if not text:
        return "is required"
    m = _ISO_DATE.fullmatch(text)
    if m is None:
        return f"must be written YYYY-MM-DD, e.g. 2026-12-31 (found {_show(text)})"
    year, month, day = (int(g) for g in m.groups())
    if year < 1:
        return "must have a year from 0001 on"
    if not 1 <= month <= 12:
        return f"must have a month from 01 to 12 (found {m.group(2)})"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"must be a real date: {calendar.month_name[month]} {year} has {days} days (found day {m.group(3)})"
    return dt.date(year, month, day)


def parse_date(text: str) -> dt.date | None:
    """A strict ISO calendar date (YYYY-MM-DD, ASCII digits), or None."""
    parsed = _date_rule(text)
    return parsed if isinstance(parsed, dt.date) else None


def enforcement_date(text: str, today: dt.date) -> str | None:
    """An ISO date (YYYY-MM-DD) that is today or later."""
    label = FIELDS["enforcement_date"]
    parsed = _date_rule(text)
    if isinstance(parsed, str):
        return f"{label} {parsed}."
    if isinstance(today, dt.datetime):  # a datetime is a date, but does not compare with one
        today = today.date()
    if not isinstance(today, dt.date):
        return f"{label} cannot be checked without today's date."
    if parsed < today:
        return f"{label} must be today ({today.isoformat()}) or later (this one is {parsed.isoformat()})."
    return None


# --- IPv4 addresses and ranges -------------------------------------------------------------


def _ipv4_rule(text: str) -> str | None:
    """Rule phrase for a dotted-quad IPv4 address (text already known to be a str)."""
    if not text:
        return "is required"
    if ":" in text:
        return "must be an IPv4 address; IPv6 is not supported here"
    bad = _first_bad(text, _DIGITS | {"."})
    if bad is not None:
        return f"may contain only digits and dots, like 203.0.113.7 {_found(bad)}"
    parts = text.split(".")
    if len(parts) != 4:
        return f"must be four numbers from 0 to 255 separated by dots, like 203.0.113.7 (found {len(parts)} parts)"
    for part in parts:
        if not part:
            return "must have a number between every two dots"
        if len(part) > 3 or int(part) > 255:
            return f"must have numbers from 0 to 255 (found {_show(part)})"
        if len(part) > 1 and part[0] == "0":
            return f"must not have leading zeros (write {int(part)}, not {part})"
    return None


def _network_rule(text: object) -> ipaddress.IPv4Network | str:
    """An IPv4 address or CIDR range as a network, or a rule phrase."""
    if not isinstance(text, str):
        return "must be text"
    address, slash, prefix = text.partition("/")
    rule = _ipv4_rule(address)
    if rule is not None:
        return rule if not slash else f"address {rule}"
    if not slash:
        return ipaddress.IPv4Network(address)
    if (
        not prefix
        or _first_bad(prefix, _DIGITS)
        or len(prefix) > 2
        or int(prefix) > 32
        or prefix != str(int(prefix))
    ):
        return f"prefix length must be a whole number from 0 to 32 (found {_show(prefix)})"
    try:
        return ipaddress.IPv4Network(text)
    except ValueError:
        network = ipaddress.IPv4Network(text, strict=False)
        return f"{text} has host bits set: the network address is {network}"


def ipv4(text: str) -> str | None:
    """A single IPv4 address in dotted-decimal form (no leading zeros)."""
    label = FIELDS["ipv4"]
    if not isinstance(text, str):
        return f"{label} must be text."
    return _sentence(label, _ipv4_rule(text))


def cidr(text: str) -> str | None:
    """An IPv4 CIDR range ADDRESS/PREFIX (0–32) whose address is the network address."""
    label = FIELDS["cidr"]
    if isinstance(text, str) and text and "/" not in text and _ipv4_rule(text) is None:
        return f"{label} must end with a prefix length, like {text}/32 for a single address."
    if isinstance(text, str) and text and "/" not in text:
        return f"{label} must be an IPv4 address, a slash and a prefix length, like 203.0.113.0/24."
    parsed = _network_rule(text)
    if isinstance(parsed, str):
        return f"{label} {parsed}."
    return None


def _rule_network(text: object) -> ipaddress.IPv4Network | str:
    parsed = _network_rule(text)
    if isinstance(parsed, str):
        return parsed
    if any(parsed.subnet_of(private) for private in _PRIVATE_V4):
        return (
            f"{text} is a private (RFC 1918) address; the Key Vault firewall takes public "
            "addresses only (use a private endpoint for private traffic)"
        )
    return parsed


def ip_rule(text: str) -> str | None:
    """What a Key Vault firewall `ipRules` value accepts: a public IPv4 address or IPv4 CIDR range."""
    parsed = _rule_network(text)
    return f"{FIELDS['ip_rule']} {parsed}." if isinstance(parsed, str) else None


def parse_ip_rule(text: str) -> ipaddress.IPv4Network | None:
    """The network an `ip_rule` value covers (a single address is a /32), or None if invalid."""
    parsed = _rule_network(text)
    return None if isinstance(parsed, str) else parsed


# --- Kore platform host ---------------------------------------------------------------------


def normalize_kore_host(text: str) -> str:
    """Kore's "Environment URL" as people paste it, reduced to the host: `https://platform.kore.ai/`,
    `platform.kore.ai/api/public` and ` PLATFORM.kore.ai ` all give `platform.kore.ai`. A port is kept (and then
    refused by `profile_host`); anything else is left for `profile_host` to judge."""
    value = text.strip() if isinstance(text, str) else ""
    lowered = value.lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            value = value[len(scheme) :]
            break
    value = value.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return value.lower()


def kore_environment_url(text: str) -> str | None:
    """`profile_host` after normalising what was pasted (scheme, trailing slash and path are accepted)."""
    return profile_host(normalize_kore_host(text))


def profile_host(text: str) -> str | None:
    """A DNS host name for the Kore platform (e.g. bots.kore.ai): no scheme, path or port."""
    label = FIELDS["profile_host"]
    if not isinstance(text, str):
        return f"{label} must be text."
    if not text:
        return f"{label} is required."
    if "://" in text:
        return f"{label} must be a host name only, without a scheme such as https:// (e.g. 'bots.kore.ai')."
    if "/" in text:
        return f"{label} must be a host name only, without a path (remove everything from the first '/')."
    if ":" in text:
        return f"{label} must be a host name without a port."
    if len(text) > 253:
        return f"{label} must be at most 253 characters long (this one has {len(text)})."
    bad = _first_bad(text, _HOST_CHARS)
    if bad is not None:
        idn = " — write international names in their xn-- form" if not bad.isascii() else ""
        return f"{label} may contain only ASCII letters, digits, hyphens and dots {_found(bad)}{idn}."
    labels = text.split(".")
    if "" in labels:
        return f"{label} must not start or end with a dot or have two dots in a row."
    for part in labels:
        if len(part) > 63:
            return f"{label} has a part longer than 63 characters ({_show(part)})."
        if part.startswith("-") or part.endswith("-"):
            return f"{label} has a part that starts or ends with a hyphen ({_show(part)})."
    return None
