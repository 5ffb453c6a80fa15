"""The answers file: strict parsing, every bad value named by its field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byok_tui import answers
from byok_tui.errors import InputError
from byok_tui.state import StepRecord, VaultState, WizardState

GOOD = """
[signin]
tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"
subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"

[vault]
resource_group = "rg-byok"
create_resource_group = true
location = "eastus"
name = "kv-byok-1"
sku = "Standard"
key_name = "kore-cmk"
key_size = 4096
"""


def test_good_answers_parse():
    a = answers.parse(GOOD)
    assert a.vault["key_size"] == 4096 and a.signin["tenant_id"].startswith("72f9")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('name = "kv-byok-1"', 'name = "kv"', "vault.name"),
        ('name = "kv-byok-1"', "", "vault.name"),
        ("key_size = 4096", "key_size = 1024", "vault.key_size"),
        ("key_size = 4096", 'key_size = "4096"', "vault.key_size"),
        ("key_size = 4096", "key_size = true", "vault.key_size"),
        ("create_resource_group = true", 'create_resource_group = "yes"', "vault.create_resource_group"),
        ('location = "eastus"', "", "vault.location"),
        ('location = "eastus"', 'location = "East US"', "vault.location"),
        ('tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"', 'tenant_id = "contoso"', "signin.tenant_id"),
        ('sku = "Standard"', 'sku = "gold"', "vault.sku"),
        ('key_name = "kore-cmk"', 'key_name = "kore_cmk"', "vault.key_name"),
        ('key_name = "kore-cmk"', 'key_name = "kore-cmk"\ncolour = "red"', "vault.colour"),
        ("[vault]", "[vault]\nkey_hsm = true", "vault.key_hsm"),
        ("[signin]", '[signin]\ncloud = "Mars"', "signin.cloud"),
        ("[signin]", '[signin]\nmethod = "password"', "signin.method"),
        ("[signin]", "[extra]\n[signin]", "extra"),
    ],
)  # fmt: skip
def test_bad_answers_name_the_field(old, new, field):
    assert old in GOOD
    with pytest.raises(InputError) as info:
        answers.parse(GOOD.replace(old, new, 1))
    assert info.value.field == field
    assert info.value.rule


def test_malformed_toml_is_input_error():
    with pytest.raises(InputError) as info:
        answers.parse("[vault\nname=")
    assert "TOML" in info.value.rule


@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused_cleanly(text):
    try:
        answers.parse(text)
    except InputError as e:
        assert e.field and e.rule


def test_apply_to_keeps_results_for_the_same_vault_and_drops_them_for_another():
    a = answers.parse(GOOD)
    recorded = WizardState(
        vault=VaultState(name="kv-byok-1", resource_group="rg-byok", key_name="kore-cmk",
                         vault_uri="https://kv-byok-1.vault.azure.net/", key_id="https://x/keys/kore-cmk/1"),
        steps={"vault": StepRecord(applied=True, checked="pass", applied_changes=("vault.vault",))},
    )  # fmt: skip
    same = answers.apply_to(a, recorded)
    assert same.vault.vault_uri == "https://kv-byok-1.vault.azure.net/" and same.vault.key_id
    assert same.vault.sku == "standard" and same.vault.key_size == 4096
    assert same.step("vault").applied_changes == ("vault.vault",)

    other = answers.apply_to(answers.parse(GOOD.replace("kv-byok-1", "kv-byok-2")), recorded)
    assert other.vault.vault_uri == "" and other.vault.key_id == ""
    assert not other.step("vault").applied


def test_one_run_lists_every_problem_of_the_file():
    """Not one per run (#15, item 12): each field that breaks a rule is named, in file order."""
    bad = GOOD.replace('name = "kv-byok-1"', 'name = "kv"').replace("key_size = 4096", "key_size = 1024")
    bad = bad.replace('tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"', 'tenant_id = "contoso"')
    with pytest.raises(InputError) as info:
        answers.parse(bad)
    text = info.value.describe()
    assert text.startswith("3 problems in the answers:")
    for field in ("signin.tenant_id", "vault.name", "vault.key_size"):
        assert f"\n  {field}: " in text
    structural = GOOD.replace("key_size = 4096", 'key_size = "big"\ncolour = "blue"')
    with pytest.raises(InputError) as info:
        answers.parse(structural)
    assert (
        "vault.colour: unknown field" in info.value.describe()
        and "vault.key_size: must be" in info.value.describe()
    )
