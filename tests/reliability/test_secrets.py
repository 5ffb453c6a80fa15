"""Canary secrets planted everywhere the wizard reads them never reach anything it writes or prints."""

from __future__ import annotations

import subprocess
import sys

from byok_tui.sandbox import Sandbox
from tests.e2e.test_full_run import CONSOLE, FULL


def test_no_secret_reaches_disk_logs_exports_or_output(tmp_path):
    world = tmp_path / "world.json"
    Sandbox.create("default").save(world)
    sb = Sandbox.load(world)
    canaries = [sb.kore_api_client_secret]
    canaries += [app["clientSecret"] for bot in sb.world.kore.bots for app in bot.get("jwtApps", [])]
    assert len(canaries) > 10

    console = CONSOLE.replace("{deselect}", "").replace(
        'source = "sandbox"', f'source = "kore-api"\nclient_id = "{sb.kore_api_client_id}"'
    )
    answers = tmp_path / "answers.toml"
    answers.write_text((FULL.replace("{export}", str(tmp_path / "out")) + console).format(
        tenant=sb.tenant_id, subscription=sb.subscription_id))  # fmt: skip
    env = {
        "KORE_API_CLIENT_SECRET": sb.kore_api_client_secret,
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    session = tmp_path / "session.json"
    log = tmp_path / "byok.log"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "byok_tui", *args, "--log-file", str(log)],
                              capture_output=True, text=True, env=env, timeout=120)  # fmt: skip

    results = [
        cli(
            "run",
            "--answers",
            str(answers),
            "--sandbox-state",
            str(world),
            "--session",
            str(session),
            "--yes",
        ),
        cli("verify", "--session", str(session), "--sandbox-state", str(world), "--json"),
        *(cli("export", "--session", str(session), "--format", f) for f in ("json", "md", "az")),
    ]
    assert results[0].returncode == 0, results[0].stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != world and p != answers]
    assert {p.name for p in written} >= {
        "session.json",
        "session.json.journal",
        "byok.log",
        "kore-byok-handoff.json",
        "kore-byok-handoff.md",
        "kore-byok-record.json",
    }
    texts = {str(p): p.read_text(errors="replace") for p in written}
    texts |= {f"output {i}": r.stdout + r.stderr for i, r in enumerate(results)}
    for where, text in texts.items():
        for canary in canaries:
            assert canary not in text, f"a secret reached {where}"
        assert "eyJ" not in text, f"a token reached {where}"  # every JWT starts with eyJ
        assert "authorization: bearer" not in text.lower(), f"an auth header reached {where}"
