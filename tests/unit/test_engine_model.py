"""Small helpers the steps share."""

from __future__ import annotations

from byok_tui.engine.model import sentence


def test_sentence_capitalises_the_first_letter_only():
    assert sentence(["default action is Allow", "not allowed yet: 192.0.2.0/24"]) == (
        "Default action is Allow; not allowed yet: 192.0.2.0/24."
    )
    assert sentence(["the vault URI is not the vault's"]) == "The vault URI is not the vault's."
