"""Long URLs and resource ids break only after / ? & (issue #15, item 10)."""

from __future__ import annotations

from byok_tui.screens.widgets.copyfield import break_at_separators

VAULT_ID = ("/subscriptions/37c739ce-b607-45bd-9934-2f6990e16d13/resourceGroups/rg-contoso-prod"
            "/providers/Microsoft.KeyVault/vaults/kv-contoso-byok")  # fmt: skip
CONSENT = ("https://login.microsoftonline.com/9e7bbb39-752e-4401-b07f-74c98790c149/adminconsent"
           "?client_id=c510eb08-865c-4925-8a0b-c84b69289503&state=12345")  # fmt: skip


def test_breaks_fall_after_separators_and_lose_nothing():
    for text in (VAULT_ID, CONSENT):
        for width in (50, 60, 72):  # wider than any one name between separators
            lines = break_at_separators(text, width).splitlines()
            assert "".join(lines) == text
            assert all(len(line) <= width for line in lines)
            assert all(line[-1] in "/?&" for line in lines[:-1]), lines


def test_a_short_value_and_an_unbreakable_one():
    assert break_at_separators("kv-contoso-byok", 40) == "kv-contoso-byok"
    assert break_at_separators("a" * 10, 4).splitlines() == ["aaaa", "aaaa", "aa"]
