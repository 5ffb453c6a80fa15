from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from byok_tui.sandbox import Sandbox

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
    """The installed entry point, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "byok_tui", *args], capture_output=True, text=True, input=input, timeout=120
    )


def report(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout)
