"""`make local` end to end: the local stack started on free ports, the CLI's whole journey against it, and a stop
that leaves nothing running (docs/local.md).

One test, because the journey is one sequence and the stack one set of processes (pytest-xdist would otherwise
start a stack per worker). The stack reuses this process's synthesis of the dev profile, so it starts in seconds.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from client.__main__ import main
from client.cache import Tokens
from client.errors import WRONG_CREDENTIALS
from client.storage import UserRecords
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, KidNotFoundError
from pre_sign_up.logic import DOMAIN_NOT_ALLOWED
from stacks.names import ADMIN_GROUP, USERS_GROUP, LocalOutputs
from tests.local.stack import STOP_TIMEOUT_S, LocalStack
from tests.local.stack import local_stack as running_local_stack

PASSWORD = "Local-Journey-9-Pass"
KEY = "reports/2026/naïve résumé €.txt"  # a `/` and non-ASCII characters


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_local_stack(tmp_path_factory.mktemp("local")) as stack:
        yield stack


@pytest.fixture
def cli(
    local_stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """`python -m client ... --profile local --outputs <the stack's file>` in-process; (status, stdout, stderr)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CLIENT_PASSWORD", PASSWORD)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)  # the outputs file alone must lead the CLI to the local stack

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main([*args, "--profile", "local", "--outputs", str(local_stack.outputs_path)])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def _ok(result: tuple[int, str, str]) -> str:
    status, out, err = result
    assert status == 0, err
    return out


def _email(label: str, domain: str = "example.org") -> str:
    return f"local-{label}-{secrets.token_hex(4)}@{domain}"


def _sign_up_and_confirm(cli: Any, email: str) -> None:
    assert "Account created" in _ok(cli("signup", email))
    code = _ok(cli("mailbox", email)).strip()
    assert re.fullmatch(r"\d{6}", code), code
    assert _ok(cli("confirm", email, code)) == f"Confirmed: `signin {email}`.\n"


def test_cli_journey_against_the_local_stack(
    local_stack: LocalStack, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journey_started = time.monotonic()
    outputs = local_stack.outputs
    urls = local_stack.urls()
    assert set(urls) >= {"login", "api", "s3"}
    assert all(re.fullmatch(r"http://127\.0\.0\.1:\d+", url) for url in urls.values())
    assert (outputs.api_url, outputs.endpoint(LocalOutputs.S3)) == (urls["api"], urls["s3"])

    # Given a new user: sign up, read the code from the local mailbox, confirm, sign in (SRP)
    email = _email("journey")
    _sign_up_and_confirm(cli, email)
    assert _ok(cli("signin", email)).startswith(f"Signed in as {email}")

    # Then the tokens verify with the project's verifier against the local JWKS, with Cognito's issuer
    session = json.loads(next((tmp_path / "cache").rglob("local.json")).read_text())["tokens"]
    access_verifier = CognitoJwtVerifier.create(
        outputs.user_pool_id, token_use="access", client_id=outputs.web_client_id, jwks_uri=outputs.jwks_url
    )
    id_verifier = CognitoJwtVerifier.create(
        outputs.user_pool_id, token_use="id", client_id=outputs.web_client_id, jwks_uri=outputs.jwks_url
    )
    access = access_verifier.verify(session["access_token"], scopes=[outputs.scope("files.read")])
    identity = id_verifier.verify(session["id_token"])
    assert (
        access["iss"] == outputs.issuer == f"https://cognito-idp.{outputs.region}.amazonaws.com/{outputs.user_pool_id}"
    )
    assert (access["sub"], identity["email"], identity["email_verified"]) == (identity["sub"], email, True)
    # The post confirmation trigger put the user in the default group; the V2 pre token trigger added its scopes.
    assert (access["cognito:groups"], access["roles"]) == ([USERS_GROUP], [USERS_GROUP])
    assert set(access["scope"].split()) == {
        "aws.cognito.signin.user.admin",
        *(outputs.scope(s) for s in ("profile.read", "files.read", "files.write", "notes.read", "notes.write",
                                     "account.delete")),
    }  # fmt: skip
    assert json.loads(_ok(cli("tokens")))["verification"].startswith("ok")

    # /me through the local API Gateway and the real handler
    me = json.loads(_ok(cli("me")))
    assert (me["sub"], me["groups"]) == (access["sub"], [USERS_GROUP])

    # Files: upload, list, download, delete a key with `/` and non-ASCII characters
    source = tmp_path / "upload.txt"
    source.write_bytes("local bytes €\n".encode())
    assert (
        _ok(cli("upload", str(source), "--key", KEY, "--content-type", "text/plain"))
        == f"Uploaded {source} as {KEY}.\n"
    )
    assert [item["key"] for item in json.loads(_ok(cli("files")))["items"]] == [KEY]
    downloaded = tmp_path / "downloaded.txt"
    _ok(cli("download", KEY, "--out", str(downloaded)))
    assert downloaded.read_bytes() == source.read_bytes()
    _ok(cli("delete", KEY))
    assert json.loads(_ok(cli("files")))["items"] == []

    # Notes: the records table (moto) through the real handler, and straight from it with the identity pool's keys
    note = json.loads(_ok(cli("notes", "add", "local note", "--body", "in the records table")))
    assert [item["id"] for item in json.loads(_ok(cli("notes", "list")))["items"]] == [note["id"]]
    records = UserRecords.for_user(outputs, Tokens(**session))
    assert [item["sk"]["S"] for item in records.items()] == [f"note#{note['id']}"]

    # The admin route: API Gateway refuses a user (no admin scope); an admin signs in again and is let through
    status, _, err = cli("admin-users")
    assert (status, err) == (1, "error: API answered 403: Forbidden\n")
    admin_idp = boto3.client(
        "cognito-idp", region_name=outputs.region, endpoint_url=outputs.endpoint(LocalOutputs.COGNITO_IDP),
        aws_access_key_id="local", aws_secret_access_key="local",  # cognito-local checks no signature
    )  # fmt: skip
    admin_idp.admin_add_user_to_group(UserPoolId=outputs.user_pool_id, Username=email, GroupName=ADMIN_GROUP)
    _ok(cli("signin", email))
    listed = json.loads(_ok(cli("admin-users")))
    assert email in {user["email"] for user in listed["users"]}

    # Sign out: the refresh token is revoked, the CLI has no session
    refresh_token = json.loads(next((tmp_path / "cache").rglob("local.json")).read_text())["tokens"]["refresh_token"]
    assert _ok(cli("signout")).startswith("Signed out")
    assert cli("me")[2] == "error: Not signed in: run `signin EMAIL` first.\n"
    idp = boto3.client("cognito-idp", region_name=outputs.region, endpoint_url=outputs.endpoint(LocalOutputs.COGNITO_IDP),  # noqa: E501
                       config=Config(signature_version=UNSIGNED))  # fmt: skip
    with pytest.raises(ClientError) as revoked:
        idp.initiate_auth(
            ClientId=outputs.web_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    assert revoked.value.response["Error"]["Code"] == "NotAuthorizedException"
    journey_s = time.monotonic() - journey_started

    # A wrong password fails the SRP proof; a blocked e-mail domain gets the pre sign-up trigger's own message
    monkeypatch.setenv("CLIENT_PASSWORD", "Wrong-Password-9-x")
    assert cli("signin", email)[1:] == ("", f"error: {WRONG_CREDENTIALS}\n")
    assert cli("signin", _email("nobody"))[1:] == ("", f"error: {WRONG_CREDENTIALS}\n")  # no user existence errors
    monkeypatch.setenv("CLIENT_PASSWORD", PASSWORD)
    monkeypatch.setenv("CLIENT_PASSWORD", "short-9-A")  # the pool's policy: at least 12 characters
    assert cli("signup", _email("weak"))[2].startswith("error: Password rejected: ")
    monkeypatch.setenv("CLIENT_PASSWORD", PASSWORD)
    status, _, err = cli("signup", _email("blocked", "mailinator.com"))
    assert (status, err) == (1, f"error: Rejected by the user pool: {DOMAIN_NOT_ALLOWED}\n")

    _assert_v1_v2_gap(local_stack, idp, email)
    _assert_managed_login_code_flow(local_stack, email)
    _assert_bucket_cors(local_stack)
    access_log = (local_stack.state_dir / "run" / "logs" / "api-access.log").read_text().splitlines()
    entries = [json.loads(line) for line in access_log]
    assert {"GET /me", "GET /files", "DELETE /files", "GET /admin/users", "POST /notes", "GET /notes"} <= {
        e["routeKey"] for e in entries
    }
    assert all("Bearer" not in line and "eyJ" not in line for line in access_log)  # never a token
    assert {e["sub"] for e in entries if e["routeKey"] == "GET /me"} == {access["sub"]}

    _assert_stop_leaves_nothing_running(local_stack)
    print(f"\nlocal stack: ready in {local_stack.startup_s:.1f} s, CLI journey {journey_s:.1f} s")


def _assert_v1_v2_gap(local_stack: LocalStack, idp: Any, email: str) -> None:
    """docs/local.md, "V1 and V2": cognito-local alone issues V1-era tokens; the login server closes the gap."""
    outputs = local_stack.outputs
    config = json.loads((local_stack.state_dir / "run" / "cognito" / ".cognito" / "config.json").read_text())
    # cognito-local is handed no pre token trigger: the login server runs the V2_0 event itself.
    assert "PreTokenGeneration" not in config["TriggerFunctions"]
    raw = boto3.client("cognito-idp", region_name=outputs.region, config=Config(signature_version=UNSIGNED),
                       endpoint_url=f"http://127.0.0.1:{config['ServerConfig']['port']}")  # fmt: skip
    # Straight to cognito-local: it ignores the client's ExplicitAuthFlows and runs USER_PASSWORD_AUTH ...
    tokens = raw.initiate_auth(
        ClientId=outputs.web_client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]  # fmt: skip
    claims = json.loads(base64.urlsafe_b64decode(tokens["AccessToken"].split(".")[1] + "=="))
    # ... and its access token has no resource-server scopes and no roles (no V2 response applied) ...
    assert claims["scope"] == "aws.cognito.signin.user.admin"
    assert "roles" not in claims
    # ... and is signed with the key published in its npm package, which the local JWKS does not hold.
    verifier = CognitoJwtVerifier.create(
        outputs.user_pool_id, token_use="access", client_id=outputs.web_client_id, jwks_uri=outputs.jwks_url
    )
    with pytest.raises(KidNotFoundError):
        verifier.verify(tokens["AccessToken"])
    # Through the login server the web client's ExplicitAuthFlows hold, as on AWS: no USER_PASSWORD_AUTH.
    with pytest.raises(ClientError) as refused:
        idp.initiate_auth(ClientId=outputs.web_client_id, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})  # fmt: skip
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "USER_PASSWORD_AUTH flow not enabled for this client",
    }


def _assert_managed_login_code_flow(local_stack: LocalStack, email: str) -> None:
    """What a browser app (oidc-client-ts) does: discovery, authorize with PKCE S256, the login form, the token
    endpoint, refresh, logout."""
    outputs = local_stack.outputs
    login = local_stack.urls()["login"]
    discovery = _get_json(f"{login}/{outputs.user_pool_id}/.well-known/openid-configuration")
    assert (discovery["issuer"], discovery["jwks_uri"]) == (outputs.issuer, outputs.jwks_url)
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    callback = "http://localhost:5173/callback"  # config/dev.yaml
    query = {"client_id": outputs.web_client_id, "redirect_uri": callback, "response_type": "code", "state": "s1",
             "scope": f"openid email {outputs.scope('files.read')}", "code_challenge": challenge,
             "code_challenge_method": "S256", "nonce": "n-123"}  # fmt: skip
    with urllib.request.urlopen(f"{discovery['authorization_endpoint']}?{urllib.parse.urlencode(query)}") as page:
        form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.read().decode()))
    location = _post_form(login, "/oauth2/authorize", {**form, "username": email, "password": PASSWORD})
    returned = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    assert location.startswith(callback)
    assert returned["state"] == ["s1"]
    token_request = {"grant_type": "authorization_code", "code": returned["code"][0], "redirect_uri": callback,
                     "client_id": outputs.web_client_id, "code_verifier": verifier}  # fmt: skip
    tokens = _post_json(discovery["token_endpoint"], token_request)
    claims = CognitoJwtVerifier.create(
        outputs.user_pool_id, token_use="access", client_id=outputs.web_client_id, jwks_uri=outputs.jwks_url
    ).verify(tokens["access_token"])
    # Requested OAuth scopes, then the trigger's group scopes (an admin now); no admin API scope on this grant.
    assert set(claims["scope"].split()) == {"openid", "email", *(outputs.scope(s) for s in
                                            ("files.read", "files.write", "profile.read", "notes.read",
                                             "notes.write", "account.delete", "admin"))}  # fmt: skip
    assert json.loads(base64.urlsafe_b64decode(tokens["id_token"].split(".")[1] + "=="))["nonce"] == "n-123"
    refreshed = _post_json(discovery["token_endpoint"], {"grant_type": "refresh_token", "client_id":
                           outputs.web_client_id, "refresh_token": tokens["refresh_token"]})  # fmt: skip
    assert (
        claims["auth_time"]
        == json.loads(base64.urlsafe_b64decode(refreshed["access_token"].split(".")[1] + "=="))["auth_time"]
    )
    # The code was used once; the PKCE verifier must match
    with pytest.raises(urllib.error.HTTPError):
        _post_json(discovery["token_endpoint"], token_request)
    # Logout redirects only to a registered logout URL of the client
    assert _get_location(f"{login}/logout?client_id={outputs.web_client_id}&logout_uri=http://localhost:5173/") == (
        "http://localhost:5173/"
    )
    with pytest.raises(urllib.error.HTTPError):
        _get_location(f"{login}/logout?client_id={outputs.web_client_id}&logout_uri=https://evil.example/")


def _assert_bucket_cors(local_stack: LocalStack) -> None:
    """The data bucket answers browser preflights by its synthesized CORS rules (config/dev.yaml's origin)."""
    s3 = urllib.parse.urlsplit(local_stack.urls()["s3"])
    path = f"/{local_stack.outputs.data_bucket}/private/x.txt"
    for origin, headers, expected in (
        ("http://localhost:5173", "content-type,x-amz-checksum-crc32,x-amz-date", 200),
        ("https://evil.example", "content-type", 403),
        ("http://localhost:5173", "x-not-allowed", 403),
    ):
        connection = http.client.HTTPConnection(str(s3.hostname), s3.port, timeout=10)
        connection.request("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": "PUT",
                                                     "Access-Control-Request-Headers": headers})  # fmt: skip
        response = connection.getresponse()
        response.read()
        assert response.status == expected, (origin, headers)
        if expected == 200:
            assert response.getheader("Access-Control-Allow-Origin") == origin
            assert (
                response.getheader("Access-Control-Allow-Headers") == "content-type, x-amz-checksum-crc32, x-amz-date"
            )


def _assert_stop_leaves_nothing_running(local_stack: LocalStack) -> None:
    recorded = json.loads((local_stack.state_dir / "run" / "pids.json").read_text())
    assert recorded["supervisor"] == local_stack.process.pid
    children = [*recorded["children"], recorded["cognito_local"]]
    assert all(_running(pid) for pid in children)
    local_stack.process.send_signal(signal.SIGTERM)
    assert local_stack.process.wait(timeout=STOP_TIMEOUT_S) == 0
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and any(_running(pid) for pid in children):
        time.sleep(0.1)
    assert [pid for pid in children if _running(pid)] == []
    with pytest.raises(ProcessLookupError):
        os.killpg(recorded["cognito_local"], 0)  # nothing left in cognito-local's process group either
    assert not (local_stack.state_dir / "run" / "pids.json").exists()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post_json(url: str, form: dict[str, str]) -> Any:
    with urllib.request.urlopen(url, urllib.parse.urlencode(form).encode(), timeout=10) as response:
        return json.loads(response.read())


def _post_form(base: str, path: str, form: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=10)
    connection.request(
        "POST", path, urllib.parse.urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    response.read()
    assert response.status == 302, response.status
    return str(response.getheader("Location"))


def _get_location(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(str(parts.hostname), parts.port, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise urllib.error.HTTPError(url, response.status, "not redirected", response.headers, None)
    return str(response.getheader("Location"))
