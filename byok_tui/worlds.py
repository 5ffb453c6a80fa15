"""What a saved sandbox world file and a session say about the sandbox, read cheaply (stdlib only): the CLI
asks before it builds anything, so that a wrong option is refused with its remedy, not run silently."""

from __future__ import annotations

import json
from pathlib import Path

from byok_tui.errors import InputError

SANDBOX_METHOD = "sandbox"
"""The sign-in method of a session made on the sandbox."""


def scenario_of(state_file: str | Path) -> str:
    """The scenario a saved world was created from ("" when the file does not say)."""
    try:
        world = json.loads(Path(state_file).read_text(encoding="utf-8")).get("world", {})
    except (OSError, ValueError, AttributeError):
        return ""
    seed = world.get("seed", "") if isinstance(world, dict) else ""
    return seed.removeprefix("scenario:") if isinstance(seed, str) and seed.startswith("scenario:") else ""


def refuse_other_scenario(state_file: str | None, scenario: str | None) -> None:
    """--scenario chooses the world to create; a --sandbox-state file that exists already holds one, and
    running it while the operator asked for another scenario would show the wrong world without a word."""
    if not scenario or not state_file or not Path(state_file).exists():
        return
    held = scenario_of(state_file)
    if held != scenario:
        raise InputError(
            "--scenario",
            f"{scenario} cannot apply: {state_file} already holds a sandbox world"
            + (f" (scenario {held})" if held else "")
            + ". Drop --scenario to continue that world, or give a new --sandbox-state FILE for a fresh one",
        )


def refuse_sandbox_session_without_world(method: str, session_path: str, command: str) -> None:
    """A session made on the sandbox names resources that live only in its world file."""
    if method != SANDBOX_METHOD:
        return
    raise InputError(
        "--sandbox-state",
        f"is needed: {session_path} is a sandbox session (made by `byok-tui demo` or a sandbox run), so its "
        f"vault and key live in a sandbox world file. Run: byok-tui {command} --session {session_path} "
        f"--sandbox-state FILE (the world it ran in)",
    )
