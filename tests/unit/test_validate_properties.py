"""Property tests: validators never raise, always name their field, and accept what they should."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from byok_tui import validate as v
from byok_tui.clouds import CLOUDS

TODAY = dt.date(2026, 11, 29)
TEXT_VALIDATORS = sorted(set(v.FIELDS) - {"enforcement_date"})
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
ALNUM = LETTERS + DIGITS


def call(name: str, value: object) -> str | None:
    if name == "enforcement_date":
        return v.enforcement_date(value, TODAY)  # type: ignore[arg-type]
    return getattr(v, name)(value)


def assert_verdict(name: str, message: object) -> None:
    assert message is None or (isinstance(message, str) and message), message
    if message is not None:
        assert message.startswith(v.FIELDS[name] + " "), message
        assert message.endswith("."), message
        assert "\n" not in message and "\r" not in message, message


@pytest.mark.parametrize("name", sorted(v.FIELDS))
@SETTINGS
@given(text=st.text())
@example(text="\x00\x1b\u2028\ud800")
@example(text="x" * 100_000)
@example(text="https://" + "a" * 5000 + ".vault.azure.net/keys/" + "k" * 5000)
@example(text="1." + "9" * 10_000 + ".3.4/" + "9" * 10_000)
def test_any_text_gets_none_or_one_sentence_naming_the_field(name: str, text: str) -> None:
    assert_verdict(name, call(name, text))


@pytest.mark.parametrize("name", sorted(v.FIELDS))
@SETTINGS
@given(
    value=st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.booleans(), st.lists(st.text()))
)
def test_any_value_of_any_type_never_raises(name: str, value: object) -> None:
    assert_verdict(name, call(name, value))


@SETTINGS
@given(text=st.text(), cloud=st.sampled_from([None, *CLOUDS, *CLOUDS.values(), "nowhere"]))
def test_url_validators_with_any_cloud_never_raise(text: str, cloud: object) -> None:
    assert_verdict("vault_uri", v.vault_uri(text, cloud=cloud))  # type: ignore[arg-type]
    assert_verdict("key_identifier", v.key_identifier(text, cloud=cloud))  # type: ignore[arg-type]
    parsed = v.parse_key_identifier(text, cloud=cloud)  # type: ignore[arg-type]
    assert (parsed is None) == (v.key_identifier(text, cloud=cloud) is not None)  # type: ignore[arg-type]


@SETTINGS
@given(text=st.text(), label=st.text(min_size=1, max_size=20))
def test_guid_uses_any_label(text: str, label: str) -> None:
    message = v.guid(text, field=label)
    assert message is None or message.startswith(label + " ")


@SETTINGS
@given(text=st.text(), today=st.dates())
def test_enforcement_date_any_today(text: str, today: dt.date) -> None:
    assert_verdict("enforcement_date", v.enforcement_date(text, today))


# --- generated valid values pass ------------------------------------------------------------


@st.composite
def vault_names(draw: st.DrawFn) -> str:
    length = draw(st.integers(3, 24))
    chars = [draw(st.sampled_from(LETTERS))]
    while len(chars) < length - 1:
        pool = ALNUM if chars[-1] == "-" else ALNUM + "-"
        chars.append(draw(st.sampled_from(pool)))
    chars.append(draw(st.sampled_from(ALNUM)))
    return "".join(chars)


key_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(LETTERS),
    st.text(alphabet=ALNUM + "-", max_size=126),
)
versions = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
octets = st.integers(0, 255)


@SETTINGS
@given(name=vault_names())
def test_generated_vault_names_pass(name: str) -> None:
    assert v.vault_name(name) is None
    for cloud in CLOUDS.values():
        assert v.vault_uri(cloud.vault_uri(name)) is None


@SETTINGS
@given(name=key_names)
def test_generated_key_names_pass(name: str) -> None:
    assert v.key_name(name) is None


@SETTINGS
@given(
    vault=vault_names(),
    key=key_names,
    version=st.one_of(st.just(""), versions),
    cloud=st.sampled_from(sorted(CLOUDS)),
)
def test_generated_key_identifiers_round_trip(vault: str, key: str, version: str, cloud: str) -> None:
    suffix = CLOUDS[cloud].vault_suffix
    text = f"https://{vault}{suffix}/keys/{key}" + (f"/{version}" if version else "")
    assert v.key_identifier(text) is None
    parsed = v.parse_key_identifier(text)
    assert parsed is not None
    assert (parsed.vault_name, parsed.key_name, parsed.version, parsed.cloud) == (
        vault.lower(),
        key,
        version,
        cloud,
    )
    assert parsed.vault_uri == CLOUDS[cloud].vault_uri(vault)
    assert v.vault_uri(parsed.vault_uri) is None
    assert v.parse_key_identifier(parsed.key_id) == parsed


@SETTINGS
@given(value=st.uuids())
def test_generated_guids_pass(value: uuid.UUID) -> None:
    for text in (str(value), str(value).upper()):
        assert v.tenant_id(text) is None
        assert v.subscription_id(text) is None
        assert v.kore_client_id(text) is None
    assert v.tenant_id("{" + str(value) + "}") is not None
    assert v.tenant_id(value.hex) is not None


@SETTINGS
@given(
    text=st.text(alphabet=LETTERS + DIGITS + "_-.()" + "äßøéñ中文ру", min_size=1, max_size=90).filter(
        lambda s: not s.endswith(".")
    )
)
def test_generated_resource_group_names_pass(text: str) -> None:
    assert v.resource_group_name(text) is None


@SETTINGS
@given(day=st.dates(min_value=TODAY))
def test_dates_from_today_on_pass(day: dt.date) -> None:
    assert v.parse_date(day.isoformat()) == day
    assert v.enforcement_date(day.isoformat(), TODAY) is None


@SETTINGS
@given(day=st.dates(max_value=TODAY - dt.timedelta(days=1)))
def test_dates_before_today_fail(day: dt.date) -> None:
    message = v.enforcement_date(day.isoformat(), TODAY)
    assert message == f"Enforcement date must be today (2026-11-29) or later (this one is {day.isoformat()})."


@SETTINGS
@given(a=octets, b=octets, c=octets, d=octets, prefix=st.integers(0, 32))
def test_generated_addresses_and_networks_pass(a: int, b: int, c: int, d: int, prefix: int) -> None:
    import ipaddress

    address = f"{a}.{b}.{c}.{d}"
    assert v.ipv4(address) is None
    network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
    assert v.cidr(str(network)) is None
    if ipaddress.IPv4Address(address) != network.network_address:
        assert "host bits set" in v.cidr(f"{address}/{prefix}")
    private = any(network.subnet_of(p) for p in v._PRIVATE_V4)
    assert (v.ip_rule(str(network)) is None) == (not private)
    assert (v.parse_ip_rule(str(network)) == network) == (not private)


@SETTINGS
@given(
    labels=st.lists(
        st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", fullmatch=True), min_size=1, max_size=5
    )
)
def test_generated_host_names_pass(labels: list[str]) -> None:
    assert v.profile_host(".".join(labels)) is None


@SETTINGS
@given(
    size=st.sampled_from(v.KEY_SIZES),
    sku=st.sampled_from(v.SKUS),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_key_sizes_and_skus_pass(size: int, sku: str, case) -> None:
    assert v.key_size(size) is None
    assert v.key_size(str(size)) is None
    assert v.sku(case(sku)) is None
