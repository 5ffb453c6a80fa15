"""The typed way for a screen or a widget to reach the wizard's App.

Textual types `self.app` as a plain `App`, which knows nothing of the wizard's state, connection or
clock. A class that sets `app = wizard_app` gets the `ByokApp` instead, checked by the type checker,
with no `getattr(self.app, …)` and no `# type: ignore`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters

if TYPE_CHECKING:
    from byok_tui.app import ByokApp


def _app_type() -> type[ByokApp]:
    from byok_tui.app import ByokApp  # here, not at the top: the App imports the screens lazily

    return ByokApp


wizard_app = getters.app(_app_type)
"""`app = wizard_app` in a screen or widget class: `self.app` is then the wizard's `ByokApp`."""


def as_wizard(app: object) -> ByokApp:
    """`app` as the wizard's App, for what is not a widget (a command provider): TypeError if it is not."""
    wizard = _app_type()
    if not isinstance(app, wizard):
        raise TypeError(f"expected the wizard's App, got {type(app).__name__}")
    return app
