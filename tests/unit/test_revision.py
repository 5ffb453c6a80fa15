"""Rules that used to live in the screens: a changed answer un-applies its step, and the firewall's IP
rules merge Kore's ranges with the operator's own, each network once."""

from __future__ import annotations

import dataclasses

from byok_tui.engine import authorize, enterprise_key, network, revision, vault
from byok_tui.state import (
    AuthorizeState,
    EnterpriseKeyState,
    NetworkState,
    StepRecord,
    VaultState,
    WizardState,
)  # fmt: skip

DONE = StepRecord(applied=True, checked="pass", applied_changes=("x",))


def test_the_one_rule_starts_a_step_over_only_when_an_answer_changed():
    state = WizardState(network=NetworkState(mode="firewall"), steps={"network": DONE})
    same, changed = revision.revised(state, state, "network", "network", ("mode",))
    assert same is state and not changed
    other = dataclasses.replace(state, network=NetworkState(mode="private-endpoint"))
    redone, changed = revision.revised(state, other, "network", "network", ("mode",))
    assert changed and redone.step("network") == StepRecord() and redone.network.mode == "private-endpoint"
    # A field that is not an answer (looked up, or reported by Azure) changes nothing.
    looked_up = dataclasses.replace(state, network=NetworkState(mode="firewall", operator_ip="203.0.113.10"))
    assert revision.revised(state, looked_up, "network", "network", ("mode",)) == (looked_up, False)


def test_network_answers_changed_unapply_the_step_and_a_looked_up_ip_does_not():
    state = WizardState(
        network=NetworkState(mode="firewall", ip_rules=("192.0.2.0/28",)), steps={"network": DONE}
    )
    more = dataclasses.replace(
        state, network=dataclasses.replace(state.network, ip_rules=("192.0.2.0/28", "1.2.3.4"))
    )
    assert network.with_answers(state, more).step("network") == StepRecord()
    ip = dataclasses.replace(state, network=dataclasses.replace(state.network, operator_ip="203.0.113.10"))
    assert network.with_answers(state, ip).step("network") == DONE


def test_vault_answers_changed_drop_what_azure_reported_about_another_vault():
    applied = WizardState(
        vault=VaultState(resource_group="rg", name="kv-a", key_name="k", vault_id="/id", vault_uri="https://kv-a/",
                         key_id="https://kv-a/keys/k/1"),
        steps={"vault": DONE},
    )  # fmt: skip
    assert vault.with_answers(applied, applied) is applied
    other_key = dataclasses.replace(applied, vault=dataclasses.replace(applied.vault, key_name="k2"))
    result = vault.with_answers(applied, other_key)
    assert result.vault.vault_uri == "https://kv-a/" and result.vault.key_id == ""  # same vault, another key
    assert result.step("vault") == StepRecord()
    reported = dataclasses.replace(
        applied, vault=dataclasses.replace(applied.vault, key_id="https://kv-a/keys/k/2")
    )
    assert vault.with_answers(applied, reported).step("vault") == DONE  # Azure's facts are not answers


def test_authorize_another_app_forgets_its_principal_another_method_keeps_it():
    applied = WizardState(authorize=AuthorizeState(method="service-principal", kore_client_id="a", sp_object_id="sp"),
                          steps={"authorize": DONE})  # fmt: skip
    other = dataclasses.replace(applied, authorize=dataclasses.replace(applied.authorize, kore_client_id="b"))
    assert authorize.with_answers(applied, other).authorize.sp_object_id == ""
    method = dataclasses.replace(
        applied, authorize=dataclasses.replace(applied.authorize, method="consent-url")
    )
    kept = authorize.with_answers(applied, method)
    assert kept.authorize.sp_object_id == "sp" and kept.step("authorize") == StepRecord()


def test_a_changed_enterprise_key_unapplies_it_and_asks_for_the_tests_again():
    applied = WizardState(enterprise_key=EnterpriseKeyState(enforcement_date="2099-01-01"),
                          steps={"enterprise_key": DONE, "test": DONE})  # fmt: skip
    assert enterprise_key.with_answers(applied, applied) is applied
    later = dataclasses.replace(applied, enterprise_key=EnterpriseKeyState(enforcement_date="2099-02-01"))
    result = enterprise_key.with_answers(applied, later)
    assert result.step("enterprise_key") == StepRecord()
    assert result.step("test") == dataclasses.replace(DONE, checked="")  # tested the old values: run again


def test_kore_and_own_ranges_merge_each_network_once_in_order():
    kore = ("192.0.2.0/28", "198.51.100.7")
    assert network.merge_rules(kore, ["198.51.100.7/32", "203.0.113.5", "192.0.2.0/28"]) == (
        "192.0.2.0/28", "198.51.100.7", "203.0.113.5")  # fmt: skip
    assert network.merge_rules(kore, ["not-an-ip", "not-an-ip"]) == (
        *kore,
        "not-an-ip",
    )  # named by problems()
    assert network.not_among(["198.51.100.7/32", "203.0.113.5"], kore) == ["203.0.113.5"]


def test_the_firewall_rules_add_this_machine_once():
    state = WizardState(network=NetworkState(mode="firewall", ip_rules=("203.0.113.10/32",),
                                             allow_operator_ip=True, operator_ip="203.0.113.10"))  # fmt: skip
    assert network.rules(state) == ["203.0.113.10/32"]
    declined = dataclasses.replace(state, network=dataclasses.replace(state.network, ip_rules=(),
                                                                       allow_operator_ip=False))  # fmt: skip
    assert network.rules(declined) == []


def test_problems_are_placed_on_the_fields_a_form_names_and_the_rest_said_apart():
    from byok_tui.engine.step import placed
    from byok_tui.errors import InputError

    found = [InputError("signin.subscription_id", "choose a subscription"), InputError("vault.name", "too short"),
             InputError("vault.key_size", "must be 2048, 3072 or 4096"), InputError("vault.name", "taken")]  # fmt: skip
    on_form, elsewhere = placed(found, {"vault.name": "#vault-name", "vault.key_size": "#key-size"})
    assert [(where, p.rule) for where, p in on_form] == [
        ("#vault-name", "too short"), ("#key-size", "must be 2048, 3072 or 4096"), ("#vault-name", "taken")]  # fmt: skip
    assert [p.field for p in elsewhere] == ["signin.subscription_id"]
    assert placed([], {"vault.name": "#vault-name"}) == ([], [])
