"""A stand-in for the Azure CLI, enough for azure-identity's `AzureCliCredential`: `az account get-access-token`.

`byok-tui sandbox serve` writes a small `az` script that runs this module with a config file (0600) holding
the served world's tenant, subscription and a refresh token for its operator, as the real CLI keeps one in
its MSAL cache after `az login`. Each call redeems the refresh token at the Entra ID token endpoint, through
the proxy and CA the environment names (urllib reads HTTPS_PROXY; the default SSL context reads
SSL_CERT_FILE), and prints what the real command prints. A rotated refresh token is saved back.

Output and errors follow the real CLI: JSON with accessToken, expiresOn (local time), expires_on (epoch),
subscription, tenant, tokenType on stdout; `ERROR: …` on stderr and exit 1 on failure (AzureCliCredential
turns a message mentioning `az login` into "please run az login").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from byok_tui.sandbox.persist import write_atomic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="az", add_help=False)
    parser.add_argument("--config", required=True)
    parser.add_argument("words", nargs="*")
    parser.add_argument("--resource")
    parser.add_argument("--scope", action="append")
    parser.add_argument("--tenant")
    parser.add_argument("--output", "-o", default="json")
    args, _unknown = parser.parse_known_args(argv)
    if args.words[:1] == ["--version"] or args.words == ["version"]:
        print(json.dumps({"azure-cli": "2.67.0 (byok-tui sandbox stand-in)"}))
        return 0
    if args.words[:2] != ["account", "get-access-token"]:
        print(f"ERROR: this stand-in az only answers `az account get-access-token` (got: {' '.join(args.words)})",
              file=sys.stderr)  # fmt: skip
        return 2
    config_path = Path(args.config)
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print("ERROR: Please run 'az login' to setup account. (the sandbox stand-in has no login: run "
              "`byok-tui sandbox serve` again)", file=sys.stderr)  # fmt: skip
        return 1
    tenant = args.tenant or config["tenant_id"]
    scope = (args.scope or [])[:1] or [args.resource.rstrip("/") + "/.default" if args.resource else ""]
    form = {
        "grant_type": "refresh_token",
        "client_id": config["client_id"],
        "refresh_token": config["refresh_token"],
        "scope": f"{scope[0]} offline_access openid profile",
        "client_info": "1",
    }
    url = f"{config['authority'].rstrip('/')}/{tenant}/oauth2/v2.0/token"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("error_description", "")
        except ValueError:
            detail = f"HTTP {exc.code}"
        print(f"ERROR: {detail.splitlines()[0] if detail else exc}\nTo re-authenticate, please run:\naz login",
              file=sys.stderr)  # fmt: skip
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"ERROR: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 1
    if answer.get("refresh_token") and answer["refresh_token"] != config["refresh_token"]:
        config["refresh_token"] = answer["refresh_token"]
        write_atomic(config_path, json.dumps(config, indent=2))  # 0600, as the CLI keeps its cache
    expires_on = int(dt.datetime.now(dt.UTC).timestamp()) + int(answer.get("expires_in", 3600))
    local = dt.datetime.fromtimestamp(expires_on).strftime("%Y-%m-%d %H:%M:%S.%f")
    print(json.dumps({
        "accessToken": answer["access_token"],
        "expiresOn": local,
        "expires_on": expires_on,
        "subscription": config.get("subscription_id", ""),
        "tenant": tenant,
        "tokenType": "Bearer",
    }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
