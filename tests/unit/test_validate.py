"""Table-driven tests for every rule and boundary in byok_tui.validate."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest

from byok_tui import validate as v
from byok_tui.clouds import AZURE_CHINA, AZURE_PUBLIC, AZURE_US_GOVERNMENT

GUID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
VERSION = "0123456789abcdef0123456789abcdef"


def check(message: str | None, *expected: str) -> None:
    """None expected when `expected` is empty; otherwise every fragment must be in the message."""
    if not expected:
        assert message is None, message
        return
    assert message is not None, f"expected a message containing {expected}"
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert message.endswith("."), message
    assert "\n" not in message


# --- GUIDs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GUID, ()),
        (GUID.upper(), ()),
        ("00000000-0000-0000-0000-000000000000", ()),
        ("", ("is required",)),
        ("{" + GUID + "}", ("without braces",)),
        ("{" + GUID, ("without braces",)),
        (GUID.replace("-", ""), ("hyphens in the 8-4-4-4-12 pattern",)),
        (GUID[:-1], ("(this one is 8-4-4-4-11)",)),
        (GUID + "0", ("(this one is 8-4-4-4-13)",)),
        ("3fa85f64-5717-4562-b3fc2c963f66afa6", ("(this one is 8-4-4-16)",)),
        ("g" + GUID[1:], ("hexadecimal", "(found 'g')")),
        (" " + GUID, ("(found a space)",)),
        (GUID + "\n", ("(found '\\n')",)),
        ("urn:uuid:" + GUID, ("(found 'u')",)),
        ("-" * 50, ("(this one has 51 groups)",)),
        ("٣fa85f64-5717-4562-b3fc-2c963f66afa6", ("found '٣'",)),  # Arabic-Indic digit is not hex
    ],
)
def test_guid(text: str, expected: tuple[str, ...]) -> None:
    check(v.guid(text), *((("ID ",) + expected) if expected else ()))


@pytest.mark.parametrize(
    ("func", "label"),
    [
        (v.tenant_id, "Tenant ID"),
        (v.subscription_id, "Subscription ID"),
        (v.kore_client_id, "Kore client ID"),
    ],
)
def test_guid_fields_name_their_label(func, label: str) -> None:
    assert func(GUID) is None
    message = func("nope")
    assert message is not None and message.startswith(label + " ")


def test_guid_custom_field_label() -> None:
    assert v.guid("x", field="Object ID").startswith("Object ID ")


# --- vault names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", ()),
        ("a" * 24, ()),
        ("kv-byok-prod-01", ()),
        ("KV-Byok", ()),
        ("a1b", ()),
        ("a-b", ()),
        ("", ("is required",)),
        ("ab", ("3–24 characters", "(this one has 2)")),
        ("a" * 25, ("3–24 characters", "(this one has 25)")),
        ("a_b", ("letters, digits and hyphens", "(found '_')")),
        ("a.b", ("(found '.')",)),
        ("a b", ("(found a space)",)),
        ("abé", ("(found 'é')",)),
        ("ab\x00", ("(found '\\x00')",)),
        ("1ab", ("must start with a letter", "'1'")),
        ("-ab", ("must start with a letter", "'-'")),
        ("ab-", ("must end with a letter or digit",)),
        ("a--b", ("two hyphens in a row",)),
        ("ab--", ("must end with a letter or digit",)),
    ],
)
def test_vault_name(text: str, expected: tuple[str, ...]) -> None:
    check(v.vault_name(text), *((("Key vault name ",) + expected) if expected else ()))


# --- key names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k", ()),
        ("byok-key-1", ()),
        ("K" * 127, ()),
        ("key--double", ()),
        ("key-", ()),
        ("", ("is required",)),
        ("k" * 128, ("1–127 characters", "(this one has 128)")),
        ("1key", ("must start with a letter",)),
        ("-key", ("must start with a letter",)),
        ("my_key", ("(found '_')",)),
        ("my key", ("(found a space)",)),
        ("ключ", ("(found 'к')",)),
    ],
)
def test_key_name(text: str, expected: tuple[str, ...]) -> None:
    check(v.key_name(text), *((("Key name ",) + expected) if expected else ()))


def test_key_name_of_an_existing_key_follows_the_rest_api() -> None:
    # REST "Create Key": key-name pattern ^[0-9a-zA-Z-]+$ (no letter-first rule).
    assert v.key_name("2024-kore-key", existing=True) is None
    assert v.key_name("-key", existing=True) is None
    check(v.key_name("2024-kore-key"), "Key name must start with a letter")
    check(v.key_name("my_key", existing=True), "Key name ", "(found '_')")
    check(v.key_name("k" * 128, existing=True), "Key name ", "1–127 characters")
    check(v.key_name("", existing=True), "Key name is required")


# --- resource group names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rg", ()),
        ("r", ()),
        ("rg-byok_prod.(eu)", ()),
        ("Ressourcengruppe-ä", ()),
        ("资源组", ()),
        ("grupo-de-recursos-٣", ()),  # Nd in another script is a digit to .NET
        ("a" * 90, ()),
        (".rg", ()),
        ("", ("is required",)),
        ("a" * 91, ("1–90 characters", "(this one has 91)")),
        ("rg.", ("must not end with a period",)),
        ("rg name", ("(found a space)",)),
        ("rg/x", ("(found '/')",)),
        ("rg#1", ("(found '#')",)),
        ("rg\u00b2", ("(found '²')",)),  # superscript two is No, not Nd
        ("rg\U0001d400", ("(found '𝐀')",)),  # outside the BMP: a surrogate pair in .NET
    ],
)
def test_resource_group_name(text: str, expected: tuple[str, ...]) -> None:
    check(v.resource_group_name(text), *((("Resource group name ",) + expected) if expected else ()))


# --- regions, key sizes, SKUs --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eastus", ()),
        ("eastus2", ()),
        ("usgovvirginia", ()),
        ("chinanorth3", ()),
        ("", ("is required",)),
        ("East US 2", ("lowercase letters and digits", "try 'eastus2'")),
        ("EastUS", ("try 'eastus'",)),
        ("east-us", ("try 'eastus'",)),
        ("2eastus", ("lowercase",)),
        ("eastus\n", ("try 'eastus'",)),
    ],
)
def test_location(text: str, expected: tuple[str, ...]) -> None:
    check(v.location(text), *((("Region ",) + expected) if expected else ()))


def test_location_gives_no_useless_suggestion() -> None:
    assert "try" not in v.location("---")
    assert "try" not in v.location("42")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2048, ()),
        (3072, ()),
        (4096, ()),
        ("2048", ()),
        ("4096", ()),
        (1024, ("(found 1024)",)),
        (8192, ("(found 8192)",)),
        ("1024", ("(found '1024')",)),
        ("", ("is required",)),
        (" 2048", ("(found ' 2048')",)),
        ("2048.0", ("(found '2048.0')",)),
        ("２０４８", ("(found '２０４８')",)),  # full-width digits
        (True, ("type bool",)),
        (2048.0, ("type float",)),
        (None, ("type NoneType",)),
        pytest.param(10**5000, ("a very large number",), id="huge-int"),
        pytest.param("9" * 10_000, ("…",), id="huge-digits"),
    ],
)
def test_key_size(value: object, expected: tuple[str, ...]) -> None:
    if expected and expected != ("is required",):
        expected = ("2048, 3072 or 4096 bits", *expected)
    check(v.key_size(value), *((("RSA key size ",) + expected) if expected else ()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("standard", ()),
        ("premium", ()),
        ("Standard", ()),
        ("PREMIUM", ()),
        ("", ("is required",)),
        ("basic", ("'standard' or 'premium'", "(found 'basic')")),
        ("standard ", ("(found 'standard ')",)),
        ("ſtandard", ("(found 'ſtandard')",)),  # long s lowercases to itself, not to 's'
    ],
)
def test_sku(text: str, expected: tuple[str, ...]) -> None:
    check(v.sku(text), *((("Pricing tier ",) + expected) if expected else ()))


# --- vault URIs ----------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", [AZURE_PUBLIC, AZURE_US_GOVERNMENT, AZURE_CHINA], ids=lambda c: c.name)
def test_vault_uri_every_cloud(cloud) -> None:
    assert v.vault_uri(f"https://kv-byok{cloud.vault_suffix}/") is None
    assert v.vault_uri(f"https://kv-byok{cloud.vault_suffix}") is None
    assert v.vault_uri(cloud.vault_uri("kv-byok")) is None
    assert v.vault_uri(f"https://kv-byok{cloud.vault_suffix}/", cloud=cloud) is None
    assert v.vault_uri(f"https://kv-byok{cloud.vault_suffix}/", cloud=cloud.name.lower()) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HTTPS://KV-Byok.Vault.Azure.Net/", ()),
        ("", ("is required",)),
        ("kv-byok.vault.azure.net", ("must start with https://",)),
        ("http://kv-byok.vault.azure.net/", ("must use https://", "'http://'")),
        ("https://kv-byok.vault.azure.net:443/", ("must not include a port",)),
        ("https://user@kv-byok.vault.azure.net/", ("user name",)),
        ("https://kv-byok.vault.azure.net/?x=1", ("query",)),
        ("https://kv-byok.vault.azure.net/#x", ("fragment",)),
        ("https://kv-byok.vault.azure.net//", ("nothing after the host name", "'//'")),
        ("https://kv-byok.vault.azure.net/keys/k", ("looks like a key identifier",)),
        (
            "https://kv-byok.managedhsm.azure.net/",
            (".vault.azure.net, .vault.usgovcloudapi.net or .vault.azure.cn",),
        ),
        ("https://vault.azure.net/", ("ending in",)),
        ("https://.vault.azure.net/", ("the vault name is required",)),
        ("https://a.b.vault.azure.net/", ("directly before .vault.azure.net", "'a.b'")),
        ("https://ab.vault.azure.net/", ("invalid vault", "3–24 characters", "(this one has 2)")),
        ("https://a--b.vault.azure.net/", ("invalid vault", "two hyphens")),
        ("https://1ab.vault.azure.net/", ("invalid vault", "start with a letter")),
        ("https://ab-.vault.azure.net/", ("invalid vault", "end with a letter or digit")),
        ("https://kv_byok.vault.azure.net/", ("invalid vault", "(found '_')")),
        ("https://kvé.vault.azure.net/", ("ASCII host name", "(found 'é')")),
        (" https://kv-byok.vault.azure.net/", ("(found a space)",)),
        ("https://kv-byok.vault.azure.net/\n", ("(found '\\n')",)),
    ],
)
def test_vault_uri(text: str, expected: tuple[str, ...]) -> None:
    check(v.vault_uri(text), *((("Key Vault URI ",) + expected) if expected else ()))


def test_vault_uri_restricted_to_one_cloud() -> None:
    uri = "https://kv-byok.vault.azure.cn/"
    assert v.vault_uri(uri) is None
    assert v.vault_uri(uri, cloud=AZURE_CHINA) is None
    check(v.vault_uri(uri, cloud=AZURE_PUBLIC), "ending in .vault.azure.net (found")
    check(v.vault_uri(uri, cloud="AzureUSGovernment"), "ending in .vault.usgovcloudapi.net")
    check(v.vault_uri(uri, cloud="Mars"), "unknown cloud 'Mars'")


# --- key identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize("cloud", [AZURE_PUBLIC, AZURE_US_GOVERNMENT, AZURE_CHINA], ids=lambda c: c.name)
@pytest.mark.parametrize("version", [VERSION, ""], ids=["versioned", "versionless"])
def test_key_identifier_every_cloud(cloud, version: str) -> None:
    text = f"https://kv-byok{cloud.vault_suffix}/keys/byok-key" + (f"/{version}" if version else "")
    assert v.key_identifier(text) is None
    assert v.key_identifier(text, cloud=cloud) is None
    parsed = v.parse_key_identifier(text)
    assert parsed == v.KeyIdentifier(
        vault_name="kv-byok",
        vault_uri=f"https://kv-byok{cloud.vault_suffix}/",
        key_name="byok-key",
        version=version,
        cloud=cloud.name,
    )
    assert parsed.key_id == text
    assert parsed.versionless_id == f"https://kv-byok{cloud.vault_suffix}/keys/byok-key"
    other = AZURE_CHINA if cloud is not AZURE_CHINA else AZURE_PUBLIC
    assert v.parse_key_identifier(text, cloud=other) is None
    check(v.key_identifier(text, cloud=other), "Key identifier ", f"ending in {other.vault_suffix}")


def test_parse_key_identifier_normalises_the_host() -> None:
    parsed = v.parse_key_identifier(f"HTTPS://KV-Byok.VAULT.azure.net/keys/My-Key/{VERSION.upper()}")
    assert parsed is not None
    assert parsed.vault_name == "kv-byok"
    assert parsed.vault_uri == "https://kv-byok.vault.azure.net/"
    assert parsed.key_name == "My-Key"
    assert parsed.version == VERSION.upper()
    assert parsed.key_id == f"https://kv-byok.vault.azure.net/keys/My-Key/{VERSION.upper()}"


def test_key_identifier_accepts_names_the_api_accepts() -> None:
    # The REST pattern is ^[0-9a-zA-Z-]+$: an existing key whose name starts with a digit must parse.
    assert v.key_identifier("https://kv-byok.vault.azure.net/keys/2024-key") is None
    assert v.parse_key_identifier("https://kv-byok.vault.azure.net/keys/2024-key").key_name == "2024-key"


def test_key_identifier_is_frozen() -> None:
    parsed = v.parse_key_identifier("https://kv-byok.vault.azure.net/keys/k")
    with pytest.raises(AttributeError):
        parsed.key_name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("is required",)),
        ("https://kv-byok.vault.azure.net/", ("must have /keys/NAME after the host",)),
        ("https://kv-byok.vault.azure.net", ("must have /keys/NAME",)),
        ("https://kv-byok.vault.azure.net/keys", ("missing the key name",)),
        ("https://kv-byok.vault.azure.net/keys/", ("missing the key name",)),
        ("https://kv-byok.vault.azure.net/keys/k/", ("must not end with '/'",)),
        ("https://kv-byok.vault.azure.net/secrets/k", ("points at secrets, not a key",)),
        ("https://kv-byok.vault.azure.net/certificates/k", ("points at certificates",)),
        ("https://kv-byok.vault.azure.net/other/k", ("must have /keys/NAME",)),
        (f"https://kv-byok.vault.azure.net/keys/k/{VERSION}/x", ("extra parts",)),
        ("https://kv-byok.vault.azure.net/keys/k/123", ("32 hexadecimal characters", "(found '123')")),
        (f"https://kv-byok.vault.azure.net/keys/k/{VERSION}0", ("32 hexadecimal characters",)),
        (f"https://kv-byok.vault.azure.net/keys/k/{VERSION[:-1]}g", ("32 hexadecimal characters",)),
        ("https://kv-byok.vault.azure.net/keys/my_key", ("invalid key", "(found '_')")),
        ("https://kv-byok.vault.azure.net/keys/" + "k" * 128, ("invalid key", "1–127 characters")),
        ("https://kv-byok.vault.azure.net/keys/k?api-version=7.4", ("query",)),
        ("https://ab.vault.azure.net/keys/k", ("invalid vault", "(this one has 2)")),
        ("https://kv-byok.vault.azure.com/keys/k", ("ending in .vault.azure.net",)),
        ("http://kv-byok.vault.azure.net/keys/k", ("must use https://",)),
        ("kv-byok.vault.azure.net/keys/k", ("must start with https://",)),
    ],
)
def test_key_identifier(text: str, expected: tuple[str, ...]) -> None:
    check(v.key_identifier(text), "Key identifier ", *expected)
    assert v.parse_key_identifier(text) is None


# --- dates --------------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29", ()),
        ("2026-11-30", ()),
        ("2027-01-01", ()),
        ("2028-02-29", ()),  # leap year
        ("9999-12-31", ()),
        ("2026-11-28", ("must be today (2026-11-29) or later", "(this one is 2026-11-28)")),
        ("2000-01-01", ("today (2026-11-29) or later",)),
        ("", ("is required",)),
        ("2026-02-29", ("real date", "February 2026 has 28 days", "(found day 29)")),
        ("2027-04-31", ("April 2027 has 30 days",)),
        ("2026-12-00", ("December 2026 has 31 days", "(found day 00)")),
        ("2026-13-01", ("month from 01 to 12", "(found 13)")),
        ("2026-00-10", ("month from 01 to 12", "(found 00)")),
        ("0000-12-31", ("year from 0001",)),
        ("12/31/2026", ("YYYY-MM-DD", "(found '12/31/2026')")),
        ("20261231", ("YYYY-MM-DD",)),  # date.fromisoformat accepts this; the Kore console does not
        ("2026-W48-7", ("YYYY-MM-DD",)),
        ("2026-12-31T00:00", ("YYYY-MM-DD",)),
        ("2026-12-31\n", ("YYYY-MM-DD",)),
        ("2026-1-5", ("YYYY-MM-DD",)),
        ("２０２６-１２-３１", ("YYYY-MM-DD",)),
    ],
)
def test_enforcement_date(text: str, expected: tuple[str, ...]) -> None:
    check(v.enforcement_date(text, TODAY), *((("Enforcement date ",) + expected) if expected else ()))


def test_enforcement_date_accepts_a_datetime_for_today() -> None:
    now = dt.datetime(2026, 11, 29, 23, 59, tzinfo=dt.UTC)
    assert v.enforcement_date("2026-11-29", now) is None
    check(v.enforcement_date("2026-11-28", now), "today (2026-11-29)")


def test_enforcement_date_without_today_does_not_raise() -> None:
    check(v.enforcement_date("2026-11-29", None), "Enforcement date ")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29", dt.date(2026, 11, 29)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2023-02-29", None),
        ("20261129", None),
        ("", None),
        ("2026-11-29 ", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert v.parse_date(text) == expected


# --- IPv4 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", ()),
        ("0.0.0.0", ()),
        ("255.255.255.255", ()),
        ("10.0.0.1", ()),  # a private address is still an IP address
        ("", ("is required",)),
        ("256.0.0.1", ("0 to 255", "(found '256')")),
        ("1.2.3.1000", ("(found '1000')",)),
        ("1.2.3", ("four numbers", "(found 3 parts)")),
        ("1.2.3.4.5", ("(found 5 parts)",)),
        ("1.2..4", ("a number between every two dots",)),
        ("1.2.3.4.", ("(found 5 parts)",)),
        (".1.2.3", ("a number between every two dots",)),
        ("01.2.3.4", ("leading zeros", "write 1, not 01")),
        ("1.2.3.004", ("leading zeros",)),
        ("1.2.3.0004", ("(found '0004')",)),
        ("1.2.3.a", ("digits and dots", "(found 'a')")),
        (" 1.2.3.4", ("(found a space)",)),
        ("1.2.3.4/32", ("(found '/')",)),
        ("::1", ("IPv6 is not supported",)),
        ("١.٢.٣.٤", ("(found '١')",)),
        pytest.param("1." + "9" * 5000 + ".3.4", ("0 to 255", "…"), id="huge-octet"),
    ],
)
def test_ipv4(text: str, expected: tuple[str, ...]) -> None:
    check(v.ipv4(text), *((("IP address ",) + expected) if expected else ()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.0/24", ()),
        ("203.0.113.7/32", ()),
        ("203.0.113.6/31", ()),
        ("0.0.0.0/0", ()),
        ("10.0.0.0/8", ()),
        ("", ("is required",)),
        ("203.0.113.7/24", ("host bits set", "the network address is 203.0.113.0/24")),
        ("203.0.113.7", ("must end with a prefix length", "203.0.113.7/32")),
        ("nonsense", ("a slash and a prefix length",)),
        ("203.0.113.0/33", ("from 0 to 32", "(found '33')")),
        ("203.0.113.0/", ("from 0 to 32", "(found '')")),
        ("203.0.113.0/024", ("(found '024')",)),
        ("203.0.113.0/08", ("(found '08')",)),
        ("203.0.113.0/-1", ("(found '-1')",)),
        ("203.0.113.0/24/1", ("(found '24/1')",)),
        ("203.0.113/24", ("address must be four numbers",)),
        ("300.0.113.0/24", ("address must have numbers from 0 to 255",)),
        ("2001:db8::/32", ("IPv6",)),
    ],
)
def test_cidr(text: str, expected: tuple[str, ...]) -> None:
    check(v.cidr(text), *((("CIDR range ",) + expected) if expected else ()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", ()),
        ("203.0.113.0/24", ()),
        ("203.0.113.7/32", ()),
        ("8.8.8.8", ()),
        ("172.32.0.1", ()),  # just outside 172.16.0.0/12
        ("0.0.0.0/0", ()),  # covers private space but is not inside it
        ("10.1.2.3", ("private (RFC 1918)", "public addresses only")),
        ("10.0.0.0/8", ("private",)),
        ("172.16.5.0/24", ("private",)),
        ("192.168.1.10", ("private",)),
        ("203.0.113.7/24", ("host bits set",)),
        ("", ("is required",)),
        ("2001:db8::1", ("IPv6",)),
        ("1.2.3.4/40", ("from 0 to 32",)),
    ],
)
def test_ip_rule(text: str, expected: tuple[str, ...]) -> None:
    check(v.ip_rule(text), *((("Firewall IP rule ",) + expected) if expected else ()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("203.0.113.7", ipaddress.IPv4Network("203.0.113.7/32")),
        ("203.0.113.0/24", ipaddress.IPv4Network("203.0.113.0/24")),
        ("203.0.113.7/24", None),
        ("10.0.0.1", None),
        ("x", None),
    ],
)
def test_parse_ip_rule(text: str, expected: ipaddress.IPv4Network | None) -> None:
    assert v.parse_ip_rule(text) == expected


# --- Kore platform host ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bots.kore.ai", ()),
        ("platform.kore.ai", ()),
        ("localhost", ()),
        ("KORE-onprem.example.com", ()),
        ("xn--bcher-kva.example", ()),
        ("a" * 63 + ".ai", ()),
        ("", ("is required",)),
        ("https://bots.kore.ai", ("without a scheme",)),
        ("bots.kore.ai/api", ("without a path",)),
        ("bots.kore.ai:443", ("without a port",)),
        ("bots kore.ai", ("(found a space)",)),
        ("bots_kore.ai", ("(found '_')",)),
        ("bücher.example", ("(found 'ü')", "xn--")),
        (".kore.ai", ("dot",)),
        ("kore.ai.", ("dot",)),
        ("bots..kore.ai", ("two dots in a row",)),
        ("-bots.kore.ai", ("starts or ends with a hyphen", "'-bots'")),
        ("bots-.kore.ai", ("starts or ends with a hyphen",)),
        ("a" * 64 + ".ai", ("longer than 63 characters",)),
        (".".join(["a" * 60] * 5), ("at most 253 characters", "(this one has 304)")),
    ],
)
def test_profile_host(text: str, expected: tuple[str, ...]) -> None:
    check(v.profile_host(text), *((("Kore platform host ",) + expected) if expected else ()))


# --- cross-cutting ---------------------------------------------------------------------------


def test_fields_covers_every_public_validator() -> None:
    for name in v.FIELDS:
        assert callable(getattr(v, name)), name


def test_long_values_are_cut_short_in_messages() -> None:
    message = v.sku("x" * 1_000_000)
    assert len(message) < 200
    assert "…" in message


def test_control_characters_are_escaped_in_messages() -> None:
    message = v.sku("\x1b[31mred")
    assert "\x1b" not in message
    assert "\\x1b" in message


@pytest.mark.parametrize("value", [None, 42, b"abc", ["abc"], 3.5])
@pytest.mark.parametrize("name", sorted(set(v.FIELDS) - {"key_size", "enforcement_date"}))
def test_wrong_types_get_a_message_not_an_exception(name: str, value: object) -> None:
    message = getattr(v, name)(value)
    assert isinstance(message, str) and message.startswith(v.FIELDS[name])


def test_enforcement_date_wrong_type() -> None:
    check(v.enforcement_date(20261129, TODAY), "Enforcement date must be text")  # type: ignore[arg-type]
