"""Entra ID on the wire: unmodified azure-identity (and MSAL under it) sign in against the sandbox, and the
tokens they get are accepted by the ARM, Key Vault and Graph emulators."""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import urlencode

import pytest
from azure.core.exceptions import ClientAuthenticationError

from byok_tui.sandbox import Sandbox, scenarios
from byok_tui.sandbox.entra import hash_secret
from byok_tui.sandbox.tokens import AZURE_CLI_APP_ID
from byok_tui.sandbox.transport import SyncMemTransport

LOGIN = "https://login.microsoftonline.com"
ARM_SCOPE = "https://management.azure.com/.default"
VAULT_SCOPE = "https://vault.azure.net/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
USER_SCOPES = "offline_access openid profile"


def get(sb: Sandbox, url: str) -> tuple[int, dict]:
    status, _, body = sb.dispatch("GET", url, [], b"")
    return status, json.loads(body) if body else {}


def post(sb: Sandbox, path: str, form: dict[str, str]) -> tuple[int, dict]:
    headers = [("Content-Type", "application/x-www-form-urlencoded")]
    status, _, body = sb.dispatch("POST", f"{LOGIN}{path}", headers, urlencode(form).encode())
    return status, json.loads(body) if body else {}


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def recording(sb: Sandbox) -> tuple[SyncMemTransport, list[tuple[str, str, int, str]]]:
    """A sync transport that notes (method, path, status, OAuth error) of every Entra exchange."""
    log: list[tuple[str, str, int, str]] = []

    async def exchange(method, url, headers, body):
        status, reply_headers, content = await sb.exchange(method, url, headers, body)
        if url.startswith(LOGIN):
            error = json.loads(content).get("error", "") if content else ""
            log.append((method, url[len(LOGIN) :].split("?")[0], status, error))
        return status, reply_headers, content

    return SyncMemTransport(exchange), log


def approve_in_thread(sb: Sandbox, user_code: str) -> None:
    """The operator approving on another device: another thread than the polling client's."""
    worker = threading.Thread(target=sb.approve_device_code, args=(user_code,))
    worker.start()
    worker.join()


def device_code_credential(sb: Sandbox, transport, prompt, **kwargs):
    from azure.identity import DeviceCodeCredential

    return DeviceCodeCredential(tenant_id=sb.tenant_id, prompt_callback=prompt, transport=transport, **kwargs)


# ---- discovery ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", ["tenant-id", "contoso.onmicrosoft.com", "organizations", "common"])
def test_tenant_discovery_gives_msal_its_endpoints(sb, tenant):
    tenant = sb.tenant_id if tenant == "tenant-id" else tenant
    status, config = get(sb, f"{LOGIN}/{tenant}/v2.0/.well-known/openid-configuration")
    assert status == 200
    # MSAL reads authorization_endpoint and token_endpoint (required), device_authorization_endpoint, issuer.
    key = tenant if tenant in ("organizations", "common") else sb.tenant_id  # a domain resolves to the id
    assert config["token_endpoint"] == f"{LOGIN}/{key}/oauth2/v2.0/token"
    assert config["authorization_endpoint"] == f"{LOGIN}/{key}/oauth2/v2.0/authorize"
    assert config["device_authorization_endpoint"] == f"{LOGIN}/{key}/oauth2/v2.0/devicecode"
    issuer_tenant = "{tenantid}" if tenant in ("organizations", "common") else sb.tenant_id
    assert config["issuer"] == f"{LOGIN}/{issuer_tenant}/v2.0"


def test_instance_discovery_lists_the_public_cloud_aliases(sb):
    query = urlencode({"api-version": "1.1", "authorization_endpoint": f"{LOGIN}/common/oauth2/authorize"})
    status, body = get(sb, f"{LOGIN}/common/discovery/instance?{query}")
    assert status == 200
    assert body["tenant_discovery_endpoint"] == f"{LOGIN}/common/.well-known/openid-configuration"
    public = next(g for g in body["metadata"] if g["preferred_network"] == "login.microsoftonline.com")
    assert {"login.windows.net", "sts.windows.net", "login.microsoft.com"} <= set(public["aliases"])

    query = urlencode(
        {"api-version": "1.1", "authorization_endpoint": "https://login.example.org/x/oauth2/authorize"}
    )
    status, body = get(sb, f"{LOGIN}/common/discovery/instance?{query}")
    assert (status, body["error"], body["error_codes"]) == (400, "invalid_instance", [50049])


def test_an_unknown_tenant_is_aadsts90002_in_entras_error_shape(sb):
    status, body = get(sb, f"{LOGIN}/fabrikam.example/v2.0/.well-known/openid-configuration")
    assert status == 400
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'fabrikam.example' not found.")
    assert {"timestamp", "trace_id", "correlation_id", "error_uri"} <= set(body)
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]


async def test_client_secret_credential_for_an_unknown_tenant_names_aadsts90002(sb):
    from azure.identity.aio import ClientSecretCredential

    _, client_id, secret = sb.automation_client()
    unknown = "0b7c9e2a-1111-4222-8333-944455556666"
    async with ClientSecretCredential(unknown, client_id, secret.reveal(), transport=sb.transport()) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS90002"):
            await cred.get_token(ARM_SCOPE)


# ---- the automation service principal (client credentials) ------------------------------------------


async def test_client_secret_credential_token_lists_resource_groups(sb):
    from azure.identity.aio import ClientSecretCredential
    from azure.mgmt.resource.resources.aio import ResourceManagementClient

    tenant, client_id, secret = sb.automation_client()
    async with (
        ClientSecretCredential(tenant, client_id, secret.reveal(), transport=sb.transport()) as cred,
        ResourceManagementClient(cred, sb.subscription_id, transport=sb.transport()) as arm,
    ):
        names = [group.name async for group in arm.resource_groups.list()]
    assert names == ["rg-contoso-prod", "rg-shared-security"]


async def test_environment_credential_reaches_key_vault_and_graph(monkeypatch):
    from azure.identity.aio import EnvironmentCredential
    from azure.keyvault.keys.aio import KeyClient

    from tests.sandbox.conftest import graph_client

    sb = Sandbox.create("existing-vault")  # the automation SP is in the legacy vault's access policy
    tenant, client_id, secret = sb.automation_client()
    monkeypatch.setenv("AZURE_TENANT_ID", tenant)
    monkeypatch.setenv("AZURE_CLIENT_ID", client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", secret.reveal())
    async with EnvironmentCredential(transport=sb.transport()) as cred:
        async with KeyClient(
            "https://kv-contoso-legacy.vault.azure.net", cred, transport=sb.transport()
        ) as keys:
            key = await keys.get_key("legacy-cmk")
        assert key.key_type == "RSA"

        # Graph authorises an app by the application permissions in its token (roles), not a directory role.
        graph, http = graph_client(sb, credential=cred)
        try:
            created = await graph.service_principals.post(_service_principal(sb.kore_client_id))
        finally:
            await http.aclose()
    assert created.app_id == sb.kore_client_id
    assert sb.kore_service_principal_id == created.id


def _service_principal(app_id: str):
    from msgraph.generated.models.service_principal import ServicePrincipal

    return ServicePrincipal(app_id=app_id)


async def test_a_restricted_automation_principal_may_read_but_not_create_service_principals():
    from azure.identity.aio import ClientSecretCredential
    from kiota_abstractions.api_error import APIError

    from tests.sandbox.conftest import graph_client

    sb = Sandbox.create("restricted")
    tenant, client_id, secret = sb.automation_client()
    async with ClientSecretCredential(tenant, client_id, secret.reveal(), transport=sb.transport()) as cred:
        token = await cred.get_token(GRAPH_SCOPE)
        assert claims_of(token.token)["roles"] == ["Directory.Read.All"]
        graph, http = graph_client(sb, credential=cred)
        try:
            org = await graph.organization.get()
            with pytest.raises(APIError) as refused:
                await graph.service_principals.post(_service_principal(sb.kore_client_id))
        finally:
            await http.aclose()
    assert org.value[0].id == sb.tenant_id
    assert refused.value.response_status_code == 403


async def test_a_wrong_secret_is_aadsts7000215_and_an_unknown_app_aadsts700016(sb):
    from azure.identity.aio import ClientSecretCredential

    tenant, client_id, _ = sb.automation_client()
    async with ClientSecretCredential(tenant, client_id, "not-the-secret", transport=sb.transport()) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS7000215") as wrong:
            await cred.get_token(ARM_SCOPE)
    assert wrong.value.response.status_code == 401
    unknown = "5c3a1e9f-0000-4000-8000-000000000001"
    async with ClientSecretCredential(tenant, unknown, "whatever", transport=sb.transport()) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS700016"):
            await cred.get_token(ARM_SCOPE)


async def test_a_token_from_the_wire_looks_like_one_from_the_in_process_credential(sb):
    from azure.identity.aio import ClientSecretCredential

    tenant, client_id, secret = sb.automation_client()
    async with ClientSecretCredential(tenant, client_id, secret.reveal(), transport=sb.transport()) as cred:
        wire = claims_of((await cred.get_token(ARM_SCOPE)).token)
    local = claims_of((await sb.credential(scenarios.AUTOMATION_SP_ID).get_token(ARM_SCOPE)).token)
    for moment in ("iat", "nbf", "exp"):
        assert abs(wire.pop(moment) - local.pop(moment)) <= 2
    assert wire == local


def test_the_secret_is_kept_as_a_hash_and_survives_a_reload(tmp_path):
    sb = Sandbox.create("default")
    _, _, secret = sb.automation_client()
    path = sb.save(tmp_path / "world.json")
    text = path.read_text()
    assert secret.reveal() not in text and hash_secret(secret.reveal()) in text
    assert Sandbox.load(path).automation_client()[2].reveal() == secret.reveal()


# ---- device code (sync DeviceCodeCredential, MSAL underneath) -----------------------------------------


def test_device_code_sign_in_then_arm_and_vault_tokens_by_refresh(sign_in_clock):
    from azure.mgmt.resource.resources import ResourceManagementClient

    sb = Sandbox.create("existing-vault")
    sb.world.clock = sign_in_clock.world
    transport, log = recording(sb)
    prompts: list[tuple[str, str]] = []

    def prompt(uri, user_code, expires_on):
        prompts.append((uri, user_code))
        assert [p.user_code for p in sb.pending_device_codes()] == [user_code]
        approve_in_thread(sb, user_code)

    cred = device_code_credential(sb, transport, prompt)
    with ResourceManagementClient(cred, sb.subscription_id, transport=sb.sync_transport()) as arm:
        assert [g.name for g in arm.resource_groups.list()] == ["rg-contoso-prod", "rg-shared-security"]
    # azure-identity built an AuthenticationRecord from id_token claims and client_info ...
    assert cred._auth_record.username == "alex.admin@contoso.onmicrosoft.com"
    assert cred._auth_record.home_account_id == f"{sb.operator_object_id}.{sb.tenant_id}"
    # ... so every further scope comes from MSAL's cache by a refresh_token grant, without a prompt.
    vault = cred.get_token(VAULT_SCOPE)
    graph = cred.get_token(GRAPH_SCOPE)
    assert (claims_of(vault.token)["aud"], claims_of(graph.token)["aud"]) == (
        "https://vault.azure.net", "https://graph.microsoft.com",
    )  # fmt: skip
    assert (
        len(prompts) == 1 and prompts[0][0] == "https://microsoft.com/devicelogin" and len(prompts[0][1]) == 9
    )
    assert [(m, p.rsplit("/", 1)[-1], e) for m, p, _, e in log] == [
        ("GET", "openid-configuration", ""), ("POST", "devicecode", ""), ("POST", "token", ""),
        ("POST", "token", ""), ("POST", "token", ""),
    ]  # fmt: skip
    assert sb.pending_device_codes() == []


def test_key_vault_asks_for_a_cae_token_and_that_signs_in_once_more(sign_in_clock):
    """azure-identity keeps CAE tokens (enable_cae=True: Key Vault's challenge policy, kiota for Graph) in a
    cache of their own, so a DeviceCodeCredential that signed in for ARM prompts once more for them."""
    from azure.keyvault.keys import KeyClient

    sb = Sandbox.create("existing-vault")
    sb.world.clock = sign_in_clock.world
    prompts: list[str] = []

    def prompt(uri, user_code, expires_on):
        prompts.append(user_code)
        approve_in_thread(sb, user_code)

    cred = device_code_credential(sb, sb.sync_transport(), prompt)
    cred.get_token(ARM_SCOPE)
    with KeyClient("https://kv-contoso-legacy.vault.azure.net", cred, transport=sb.sync_transport()) as keys:
        assert keys.get_key("legacy-cmk").name == "legacy-cmk"
    cred.get_token(GRAPH_SCOPE, enable_cae=True)  # from the CAE cache now
    assert len(prompts) == 2


def test_authorization_pending_until_the_operator_approves(sb, sign_in_clock):
    transport, log = recording(sb)
    codes: list[str] = []

    def approve_after_first_poll():
        sign_in_clock.on_sleep.clear()
        assert [p.user_code for p in sb.pending_device_codes()] == codes
        approve_in_thread(sb, codes[0])

    def prompt(uri, user_code, expires_on):
        codes.append(user_code)
        sign_in_clock.on_sleep.append(approve_after_first_poll)

    token = device_code_credential(sb, transport, prompt).get_token(ARM_SCOPE)
    assert [e for _, p, _, e in log if p.endswith("/token")] == ["authorization_pending", ""]
    assert claims_of(token.token)["oid"] == sb.operator_object_id


def test_a_declined_sign_in_fails_with_authorization_declined(sb, sign_in_clock):
    transport, log = recording(sb)
    cred = device_code_credential(sb, transport, lambda uri, code, exp: sb.decline_device_code(code))
    with pytest.raises(ClientAuthenticationError, match="AADSTS70000"):
        cred.get_token(ARM_SCOPE)
    assert log[-1][2:] == (400, "authorization_declined")


def test_an_expired_device_code_fails_with_expired_token(sb, sign_in_clock):
    transport, log = recording(sb)

    def let_it_expire():
        sign_in_clock.world_ahead = 901  # Entra's clock passes the 900 s while MSAL waits its interval

    sign_in_clock.on_sleep.append(let_it_expire)
    cred = device_code_credential(sb, transport, lambda uri, code, exp: None)
    with pytest.raises(ClientAuthenticationError, match="AADSTS70020"):
        cred.get_token(ARM_SCOPE)
    assert [e for _, p, _, e in log if p.endswith("/token")] == ["authorization_pending", "expired_token"]
    with pytest.raises(ValueError, match="no sign-in is waiting"):
        sb.approve_device_code("ABCDEFGHJ")


def test_polling_too_fast_answers_slow_down_and_msal_backs_off(sb, sign_in_clock):
    transport, log = recording(sb)
    codes: list[str] = []
    sleeps = 0

    def rush_then_approve():
        nonlocal sleeps
        sleeps += 1
        if sleeps == 1:
            sign_in_clock.world_ahead -= 3  # Entra sees the next poll 2 s after this one: too fast
        if sleeps == 8:  # well into MSAL's longer (10 s) wait
            approve_in_thread(sb, codes[0])

    sign_in_clock.on_sleep.append(rush_then_approve)
    token = device_code_credential(sb, transport, lambda uri, code, exp: codes.append(code)).get_token(
        ARM_SCOPE
    )
    assert [e for _, p, _, e in log if p.endswith("/token")] == ["authorization_pending", "slow_down", ""]
    assert token.token


def test_device_flow_errors_on_the_wire(sb):
    sb.world.clock = lambda: 1_800_000_000.0
    status, flow = post(sb, "/organizations/oauth2/v2.0/devicecode",
                        {"client_id": AZURE_CLI_APP_ID, "scope": f"{ARM_SCOPE} {USER_SCOPES}"})  # fmt: skip
    assert status == 200
    assert (flow["verification_uri"], flow["expires_in"], flow["interval"]) == (
        "https://microsoft.com/devicelogin", 900, 5,
    )  # fmt: skip
    assert flow["message"] == (
        "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code "
        f"{flow['user_code']} to authenticate."
    )
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": AZURE_CLI_APP_ID,
            "device_code": flow["device_code"], "client_info": "1"}  # fmt: skip
    path = "/organizations/oauth2/v2.0/token"
    status, body = post(sb, path, poll)
    assert (status, body["error"], body["error_codes"]) == (400, "authorization_pending", [70016])
    assert body["error_description"].startswith(
        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending"
    )
    status, body = post(sb, path, poll)  # at once again: faster than the interval
    assert (status, body["error"]) == (400, "slow_down")
    status, body = post(sb, path, {**poll, "device_code": "nonsense"})
    assert (status, body["error"]) == (400, "bad_verification_code")

    sb.approve_device_code(flow["user_code"].lower())  # codes are case-insensitive, as typed
    sb.world.clock = lambda: 1_800_000_020.0
    status, tokens = post(sb, path, poll)
    assert status == 200
    assert {"access_token", "refresh_token", "id_token", "client_info", "expires_in", "scope"} <= set(tokens)
    id_token = claims_of(tokens["id_token"])
    assert (
        id_token["aud"] == AZURE_CLI_APP_ID and id_token["ver"] == "2.0" and id_token["tid"] == sb.tenant_id
    )
    assert id_token["preferred_username"] == "alex.admin@contoso.onmicrosoft.com"
    assert {"iss", "oid", "sub", "name", "exp", "iat", "nbf"} <= set(id_token)
    info = json.loads(base64.urlsafe_b64decode(tokens["client_info"] + "=="))
    assert info == {"uid": sb.operator_object_id, "utid": sb.tenant_id}
    assert claims_of(tokens["access_token"])["aud"] == "https://management.azure.com"
    status, body = post(sb, path, poll)  # a device code is redeemed once
    assert (status, body["error"]) == (400, "bad_verification_code")


def test_scopes_map_to_their_resource(sb):
    expected = {
        ARM_SCOPE: "https://management.azure.com",
        "https://management.core.windows.net//.default": "https://management.core.windows.net/",
        VAULT_SCOPE: "https://vault.azure.net",
        GRAPH_SCOPE: "https://graph.microsoft.com",
        "openid profile": "https://graph.microsoft.com",
    }
    for scope, audience in expected.items():
        refresh = sb.issue_refresh_token()
        status, tokens = post(sb, f"/{sb.tenant_id}/oauth2/v2.0/token",
                              {"grant_type": "refresh_token", "client_id": AZURE_CLI_APP_ID,
                               "refresh_token": refresh, "scope": f"{scope} {USER_SCOPES}"})  # fmt: skip
        assert status == 200, tokens
        assert claims_of(tokens["access_token"])["aud"] == audience
    status, body = post(sb, "/organizations/oauth2/v2.0/devicecode",
                        {"client_id": AZURE_CLI_APP_ID, "scope": f"{ARM_SCOPE} {VAULT_SCOPE}"})  # fmt: skip
    assert (status, body["error"], body["error_codes"]) == (400, "invalid_scope", [28000])


# ---- refresh tokens for the Azure CLI stand-in --------------------------------------------------------


def test_a_refresh_token_survives_a_restart_and_only_its_hash_is_saved(tmp_path):
    sb = Sandbox.create("default")
    refresh = sb.issue_refresh_token()
    path = sb.save(tmp_path / "world.json")
    assert refresh not in path.read_text() and hash_secret(refresh) in path.read_text()

    again = Sandbox.load(path)
    status, tokens = post(again, "/organizations/oauth2/v2.0/token",
                          {"grant_type": "refresh_token", "client_id": AZURE_CLI_APP_ID,
                           "refresh_token": refresh, "scope": f"{ARM_SCOPE} offline_access"})  # fmt: skip
    assert status == 200
    headers = [("Authorization", f"Bearer {tokens['access_token']}")]
    status, _, body = again.dispatch(
        "GET", "https://management.azure.com/subscriptions?api-version=2022-12-01", headers, b""
    )
    assert status == 200 and json.loads(body)["value"][0]["subscriptionId"] == again.subscription_id

    status, body = post(again, "/organizations/oauth2/v2.0/token",
                        {"grant_type": "refresh_token", "client_id": AZURE_CLI_APP_ID,
                         "refresh_token": "1.Aforged", "scope": ARM_SCOPE})  # fmt: skip
    assert (status, body["error"], body["error_codes"]) == (400, "invalid_grant", [9002313])


def test_a_world_saved_before_entra_loads(tmp_path):
    sb = Sandbox.create("default")
    path = sb.save(tmp_path / "world.json")
    data = json.loads(path.read_text())
    world = data["world"]
    del world["refresh_tokens"]
    del world["settings"]["token_lifetime_seconds"]
    for principal in world["principals"].values():
        principal.pop("app_roles")
    for app in world["applications"].values():
        app.pop("password_credentials")
        app.pop("public_client")
    path.write_text(json.dumps(data))
    loaded = Sandbox.load(path)
    assert loaded.world.refresh_tokens == {} and loaded.world.token_lifetime == 3600
    with pytest.raises(LookupError):
        loaded.automation_client()


# ---- token lifetime and login faults ------------------------------------------------------------------


async def test_token_lifetime_fault_makes_clients_fetch_new_tokens(monkeypatch):
    from azure.identity.aio import ClientSecretCredential

    sb = Sandbox.create("default", faults="token-lifetime=60")
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # azure-identity's cache and the world share it
    sb.world.clock = lambda: clock[0]
    tenant, client_id, secret = sb.automation_client()
    async with ClientSecretCredential(tenant, client_id, secret.reveal(), transport=sb.transport()) as cred:
        first = await cred.get_token(ARM_SCOPE)
        assert first.expires_on == int(clock[0]) + 60
        assert (await cred.get_token(ARM_SCOPE)).token == first.token  # still fresh: from the cache
        clock[0] += 61
        second = await cred.get_token(ARM_SCOPE)
    assert second.token != first.token and second.expires_on == int(clock[0]) + 60

    status, _, body = sb.dispatch("GET", "https://management.azure.com/subscriptions?api-version=2022-12-01",
                                  [("Authorization", f"Bearer {first.token}")], b"")  # fmt: skip
    assert (status, json.loads(body)["error"]["code"]) == (401, "ExpiredAuthenticationToken")
    in_process = await sb.credential().get_token(ARM_SCOPE)
    assert in_process.expires_on == int(clock[0]) + 60


async def test_login_faults_act_on_the_wire():
    sb = Sandbox.create("default", faults="throttle:login=1")
    form = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y", "scope": ARM_SCOPE}
    status, headers, body = await sb.exchange(
        "POST", f"{LOGIN}/{sb.tenant_id}/oauth2/v2.0/token",
        [("Content-Type", "application/x-www-form-urlencoded")], urlencode(form).encode(),
    )  # fmt: skip
    assert status == 429 and headers["Retry-After"] == "5"
    assert json.loads(body)["error"] == "temporarily_unavailable"
    assert [e.service for e in sb.fault_events] == ["login"]

    from azure.identity.aio import ClientSecretCredential

    sb = Sandbox.create("default", faults="error:login=1")
    tenant, client_id, secret = sb.automation_client()
    async with ClientSecretCredential(tenant, client_id, secret.reveal(), transport=sb.transport()) as cred:
        with pytest.raises(ClientAuthenticationError, match="AADSTS90033"):
            await cred.get_token(ARM_SCOPE)
    assert {e.kind for e in sb.fault_events} == {"error"} and len(
        sb.fault_events
    ) > 1  # retried, then gave up


def test_token_lifetime_in_the_faults_grammar():
    from byok_tui.sandbox import parse_faults

    assert parse_faults("token-lifetime=2m,seed=3").token_lifetime == 120
    assert parse_faults("throttle=0.1").token_lifetime is None
    for bad in ("token-lifetime:login=60", "token-lifetime=0", "token-lifetime=soon"):
        with pytest.raises(ValueError, match="token-lifetime"):
            parse_faults(bad)
