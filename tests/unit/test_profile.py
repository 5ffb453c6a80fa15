from __future__ import annotations

import pytest

from byok_tui import profile
from byok_tui.errors import InputError


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BYOK_TUI_PROFILE", raising=False)
    assert profile.load() == profile.Profile()


def test_a_full_profile(tmp_path):
    path = tmp_path / "byok.toml"
    path.write_text(
        '[profile]\nkore_client_id = "0d1f3c5e-2b4a-4c6d-8e0f-1a2b3c4d5e6f"\nkore_app_name = "Kore.ai BYOK"\n'
        'kore_ip_ranges = ["20.42.10.0/24", "52.170.1.7"]\ncloud = "azureusgovernment"\nregion = "usgovvirginia"\n'
    )
    p = profile.load(path)
    assert p.kore_ip_ranges == ("20.42.10.0/24", "52.170.1.7")
    assert p.kore_app_name == "Kore.ai BYOK" and p.region == "usgovvirginia"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('kore_client_id = "kore"', "profile.kore_client_id"),
        ('kore_ip_ranges = ["300.1.1.1"]', "profile.kore_ip_ranges"),
        ('kore_ip_ranges = "20.42.10.0/24"', "profile.kore_ip_ranges"),
        ('cloud = "Mars"', "profile.cloud"),
        ('region = "East US"', "profile.region"),
        ('colour = "red"', "profile.colour"),
        ("region = 3", "profile.region"),
    ],
)
def test_bad_profiles_name_the_field(text, field):
    with pytest.raises(InputError) as info:
        profile.parse(text)
    assert info.value.field == field


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        profile.load(tmp_path / "nope.toml")
    assert info.value.field == "--profile"
