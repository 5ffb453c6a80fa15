"""After Proceed: rotate the key, and what the enforcement date still allows."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING

from byok_tui import clock
from byok_tui.connection import Connection
from byok_tui.engine.model import Progress
from byok_tui.errors import ByokError
from byok_tui.state import WizardState

if TYPE_CHECKING:
    from byok_tui.engine.runner import SessionLike

# After enforcement the seed allows only key rotation and changes to the app/bot selection.
LOCKED_STEPS = frozenset({"authorize", "vault", "access", "network", "enterprise_key"})


def refuse_if_locked(state: WizardState, step_id: str, today: date | None = None) -> None:
    from byok_tui.engine import enterprise_key

    if step_id in LOCKED_STEPS and enterprise_key.locked(state, today or enterprise_key.today_utc()):
        raise ByokError(
            f"Enforcement started on {state.enterprise_key.enforcement_date}: this step can no longer change",
            remedy="After the enforcement date only key rotation and the app/bot selection may change.",
        )


async def rotate(
    state: WizardState, conn: Connection, progress: Progress, *, session: SessionLike | None = None
) -> WizardState:
    """A new key version; the recorded identifiers follow it (a versionless identifier needs no change).

    Allowed at any time, after the enforcement date too. Test Configuration is cleared: the new version
    must pass before anything relies on it. With a `session`, the state is saved and the rotation journaled.
    """
    from byok_tui import trace, validate
    from byok_tui.azure import keys

    v, ek = state.vault, state.enterprise_key
    if not (v.vault_uri and v.key_name):
        raise ByokError("There is no key to rotate yet", remedy="Finish Step 2 (Key Vault and key) first.")
    parsed = validate.parse_key_identifier(ek.key_identifier) if ek.key_identifier else None
    if ek.key_identifier and parsed is None:
        raise ByokError(
            "The enterprise key identifier is not valid", remedy="Fix it on the Enterprise key screen."
        )
    progress(f"Rotating key {v.key_name} in {v.vault_uri}…", 0.3)
    with trace.collect() as request_ids:
        try:
            key = await keys.rotate_key(conn, v.vault_uri, v.key_name)
        except ByokError as exc:
            if session:
                session.journal(step="enterprise_key", action="rotate", target=v.key_id or v.vault_uri,
                                outcome="failed", request_id=exc.request_id, detail=exc.title)  # fmt: skip
            raise
    identifier = key.kid if parsed is not None and parsed.version else ek.key_identifier
    progress(f"New version {key.version}." + (" The key identifier now names it." if identifier != ek.key_identifier
                                              else " The versionless identifier follows it."), 1.0)  # fmt: skip
    state = dataclasses.replace(
        state,
        vault=dataclasses.replace(v, key_id=key.kid),
        enterprise_key=dataclasses.replace(ek, key_identifier=identifier),
    )
    # The tests must prove the new version before anything relies on it.
    now = clock.now().isoformat(timespec="seconds")
    state = state.with_step("test", dataclasses.replace(state.step("test"), checked="", updated_at=now))
    if session:
        session.save(state)
        session.journal(step="enterprise_key", action="rotate", target=key.kid, outcome="applied",
                        request_id=key.request_id or (request_ids[-1] if request_ids else ""))  # fmt: skip
        from byok_tui.engine.runner import made_durable

        await made_durable(session)  # on disk before anything relies on the new version, as the runner does
    return state
