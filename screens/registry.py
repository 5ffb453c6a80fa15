"""Which screen shows which step. A step is "built" when its screen module exists.

The steps and their order are the engine's registry (`byok_tui.engine.steps`); this only says which
screen class shows each id. Screens are imported only when shown: a module per step, named here, so
adding a step's screen never means editing the App.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from byok_tui.engine import steps

SCREENS: dict[str, tuple[str, str]] = {  # by step id; the order is the engine registry's
    "signin": ("byok_tui.screens.signin", "SigninScreen"),
    "authorize": ("byok_tui.screens.authorize", "AuthorizeScreen"),
    "vault": ("byok_tui.screens.vault", "VaultScreen"),
    "access": ("byok_tui.screens.access", "AccessScreen"),
    "share": ("byok_tui.screens.share", "ShareScreen"),
    "network": ("byok_tui.screens.network", "NetworkScreen"),
    "protect": ("byok_tui.screens.protect", "ProtectScreen"),
    "enterprise_key": ("byok_tui.screens.enterprise_key", "EnterpriseKeyScreen"),
    "test": ("byok_tui.screens.test_configuration", "TestConfigurationScreen"),
    "apps": ("byok_tui.screens.apps", "AppsScreen"),
    "confirm": ("byok_tui.screens.confirm", "ConfirmScreen"),
    "validate": ("byok_tui.screens.validation", "ValidationScreen"),
}


def built_steps() -> tuple[str, ...]:
    """Step ids whose screen module is installed, in the guide's order."""
    return tuple(
        step_id
        for step_id in steps.IDS
        if step_id in SCREENS and importlib.util.find_spec(SCREENS[step_id][0]) is not None
    )


def screen_for(step_id: str) -> Any:
    module, name = SCREENS[step_id]
    return getattr(importlib.import_module(module), name)()
