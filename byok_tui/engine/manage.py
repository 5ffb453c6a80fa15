"""After Proceed: rotate the key, and what the enforcement date still allows."""

from __future__ import annotations

import dataclasses
from datetime import date

from byok_tui.connection import Connection
from byok_tui.engine.model import Progress
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

# After enforcement the seed allows only key rotation and changes to the app/bot selection.
LOCKED_STEPS = frozenset({"authorize", "vault", "access", "network", "enterprise_key"})


def refuse_if_locked(state: WizardState, step_id: str, today: date | None = None) -> None:
    from byok_tui.engine import enterprise_key

    if step_id in LOCKED_STEPS and enterprise_key.locked(state, today or enterprise_key.today_utc()):
        raise ByokError(
            f"Enforcement started on {state.enterprise_key.enforcement_date}: this step can no longer change",
            remedy="After the enforcement date only key rotation and the app/bot selection may change.",
        )


async def rotate(state: WizardState, conn: Connection, progress: Progress) -> WizardState:
    """A new key version; the recorded identifiers follow it (a versionless identifier needs no change)."""
    from byok_tui import validate
    from byok_tui.azure import keys

    v = state.vault
    progress(f"Rotating key {v.key_name}…", 0.3)
    key = await keys.rotate_key(conn, v.vault_uri, v.key_name)
    progress(f"New version {key.version}.", 1.0)
    ek = state.enterprise_key
    parsed = validate.parse_key_identifier(ek.key_identifier)
    identifier = key.kid if parsed and parsed.version else ek.key_identifier
    if parsed is None:
        raise ByokError("The enterprise key identifier is not valid", remedy="Fix it on the Enterprise key screen.")
    state = dataclasses.replace(
        state,
        vault=dataclasses.replace(v, key_id=key.kid),
        enterprise_key=dataclasses.replace(ek, key_identifier=identifier),
    )
    # The tests must prove the new version before anything relies on it.
    return state.with_step("test", dataclasses.replace(state.step("test"), checked=""))
