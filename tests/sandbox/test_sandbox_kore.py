"""Kore.ai's public bots API through httpx with the sandbox's transport and a JWT signed here."""

from __future__ import annotations

import httpx
import jwt
import pytest

from byok_tui.sandbox import Sandbox

INVALID = {"errors": [{"msg": "Invalid SDK credentials", "code": 4002}]}


def kore_jwt(sb: Sandbox, **claims) -> str:
    payload = {"appId": sb.kore_api_client_id, "sub": "byok-tui", **claims}
    return jwt.encode(payload, sb.kore_api_client_secret, algorithm="HS256")


def kore_http(sb: Sandbox) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=sb.kore_transport(), base_url=sb.kore_base_url)


async def test_pages_through_every_bot(sb):
    headers = {"auth": kore_jwt(sb)}
    seen = []
    async with kore_http(sb) as http:
        offset = 0
        while True:
            reply = await http.get(
                "/api/public/bots", params={"offset": offset, "limit": 12}, headers=headers
            )
            assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/json")
            body = reply.json()
            assert body["total"] == 30
            seen += body["bots"]
            if not body["availableMore"]:
                break
            offset += 1
    assert len(seen) == 30 and len({b["_id"] for b in seen}) == 30
    assert [len(page) for page in (seen[:12], seen[12:24], seen[24:])] == [12, 12, 6]


async def test_bot_records_look_like_kores(sb):
    async with kore_http(sb) as http:
        body = (await http.get("/api/public/bots", headers={"auth": kore_jwt(sb)})).json()
    assert body["total"] == 30 and body["availableMore"] is False and len(body["bots"]) == 30  # limit 50
    first = body["bots"][0]
    assert first["_id"].startswith("st-") and len(first["_id"]) == 39
    assert first["name"] == "Contoso HR Assistant" and first["accountId"] == sb.world.kore.account_id
    assert set(first) >= {
        "purpose", "createdOn", "createdBy", "type", "defaultLanguage", "status", "description",
        "lastModifiedOn",
    }  # fmt: skip
    statuses = {b["status"] for b in body["bots"]}
    assert statuses == {"published", "configured"}
    assert all("publishedBy" in b for b in body["bots"] if b["status"] == "published")
    apps = [app for b in body["bots"] for app in b.get("jwtApps", [])]
    assert len(apps) >= 20 and all(a["clientId"].startswith("cs-") and a["clientSecret"] for a in apps)


async def test_refusals(sb):
    async with kore_http(sb) as http:
        forged = jwt.encode(
            {"appId": sb.kore_api_client_id}, "not-the-secret-but-long-enough-0123456789", "HS256"
        )
        stranger = jwt.encode({"appId": "cs-00000000-0000-4000-8000-000000000000"}, sb.kore_api_client_secret)
        expired = kore_jwt(sb, exp=int(sb.world.now()) - 60)
        for token in (forged, stranger, "", "not.a.jwt"):
            reply = await http.get("/api/public/bots", headers={"auth": token})
            assert (reply.status_code, reply.json()) == (401, INVALID)
        assert (await http.get("/api/public/bots")).status_code == 401
        assert (await http.get("/api/public/bots", headers={"auth": expired})).status_code == 401
        hs512 = jwt.encode({"appId": sb.kore_api_client_id}, sb.kore_api_client_secret, algorithm="HS512")
        assert (await http.get("/api/public/bots", headers={"auth": hs512})).status_code == 401

        good = {"auth": kore_jwt(sb)}
        too_many = await http.get("/api/public/bots", params={"limit": 51}, headers=good)
        assert too_many.status_code == 400
        assert too_many.json() == {"errors": [{"msg": "limit must be between 1 and 50", "code": 400}]}
        assert (await http.get("/api/public/bots", params={"limit": 0}, headers=good)).status_code == 400
        assert (await http.get("/api/public/bots", params={"offset": "x"}, headers=good)).status_code == 400
        assert (await http.get("/api/public/apps", headers=good)).status_code == 404
        assert (await http.post("/api/public/bots", headers=good)).status_code == 405


async def test_big_account_has_five_thousand_bots():
    sb = Sandbox.create("big-account")
    async with kore_http(sb) as http:
        last = await http.get(
            "/api/public/bots", params={"offset": 99, "limit": 50}, headers={"auth": kore_jwt(sb)}
        )
        beyond = await http.get(
            "/api/public/bots", params={"offset": 100, "limit": 50}, headers={"auth": kore_jwt(sb)}
        )
    assert (last.json()["total"], last.json()["availableMore"], len(last.json()["bots"])) == (5000, False, 50)
    assert beyond.json()["bots"] == [] and beyond.json()["availableMore"] is False
    names = [b["name"] for b in sb.world.kore.bots]
    assert len(set(names)) == 5000


async def test_other_hosts_do_not_resolve(sb):
    async with httpx.AsyncClient(transport=sb.kore_transport()) as http:
        with pytest.raises(httpx.ConnectError, match="Name or service not known"):
            await http.get("https://bots.kore.ai/api/public/bots")
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://{sb.kore_host}/api/public/bots")


def test_public_facts(sb):
    assert sb.kore_host == "bots.kore.ai.sandbox" and sb.kore_base_url == "https://bots.kore.ai.sandbox"
    assert sb.kore_api_client_id.startswith("cs-") and len(sb.kore_api_client_secret) == 44
    assert (
        Sandbox.create("restricted").kore_api_client_id == sb.kore_api_client_id
    )  # the same in every scenario
