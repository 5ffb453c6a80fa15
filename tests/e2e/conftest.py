"""End-to-end: the headless commands on a sandbox world in a file, through `main(argv)` as the entry point
calls it, in this process (`byok_tui.testing.cli` says what it swaps in and puts back, and why).

These stay real processes (`python -m byok_tui`), because the process is what they test:
- test_cli.py: `--version`/`--help`, a whole `run --json`, and `sandbox init` through the entry point; the
  wizard (`byok-tui`, `demo`) refusing a session before it takes the terminal;
- test_full_run.py: a reader that closes stdout early (`run | head`);
- tests/reliability/test_secrets.py (run, verify, export with canary secrets): the entry point of the
  `verify` and `export` families, and nothing secret in what a real process writes or prints.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from byok_tui.sandbox import Sandbox
from byok_tui.testing.cli import run as run_in_process
from byok_tui.testing.cli import subprocess_run

ANSWERS = """
[signin]
tenant_id = "{tenant}"
subscription_id = "{subscription}"

[vault]
resource_group = "rg-kore-byok"
create_resource_group = true
location = "eastus"
name = "kv-e2e-byok"
sku = "standard"
key_name = "kore-cmk"
key_size = 3072
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    path = tmp_path / "world.json"
    Sandbox.create("default").save(path)
    return path


@pytest.fixture
def answers_file(tmp_path: Path, world: Path):
    def write(text: str = ANSWERS, **replacements: str) -> Path:
        sb = Sandbox.load(world)
        body = text.format(tenant=sb.tenant_id, subscription=sb.subscription_id)
        for old, new in replacements.items():
            body = body.replace(old, new)
        path = tmp_path / "answers.toml"
        path.write_text(body, encoding="utf-8")
        return path

    return write


def cli(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """`byok-tui ARGS` in this process: what the command does, without a new interpreter's start."""
    return run_in_process(*args, input=input)


def cli_process(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    """The installed entry point, as a user runs it: a new `python -m byok_tui`."""
    return subprocess_run(*args, input=input)


def report(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)
