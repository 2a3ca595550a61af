"""Verify real tokens issued by moto's Cognito emulator (a local ThreadedMotoServer on 127.0.0.1).

What moto 5.2.5 issues, compared with Amazon Cognito:
- the same claims AWS sets for our checks (iss, token_use, client_id / aud, exp, iat), and the same issuer
  format, `https://cognito-idp.<region>.amazonaws.com/<pool id>`, so no `issuer=` override is needed;
- header {"typ": "JWT", "kid": "dummy", "alg": "RS256"}: one static key, bundled in moto, for every pool. So a
  token of another pool verifies cryptographically and only `iss` tells them apart (tested below);
- longer pool ids (`us-east-1_` + 32 hex digits) than AWS's 9 characters.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from lambdas.shared import cognito_jwt as cj

REGION = "us-east-1"
PASSWORD = "Corr3ct-Horse-Battery!"


@dataclass(frozen=True)
class MotoPool:
    endpoint: str
    pool_id: str
    client_id: str
    access_token: str
    id_token: str
    other_pool_access_token: str

    @property
    def jwks_uri(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"


def _sign_in(endpoint: str, *, group: str | None) -> tuple[str, str, dict[str, Any]]:
    """A pool, an app client and a confirmed user (optionally in `group`); returns pool id, client id, tokens."""
    idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=REGION)
    pool_id = idp.create_user_pool(PoolName="verify-tokens")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="backend", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    if group:
        idp.create_group(UserPoolId=pool_id, GroupName=group)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="alice", GroupName=group)
    result = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return pool_id, client_id, result


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[MotoPool]:
    with pytest.MonkeyPatch.context() as env:
        # Dummy credentials; keep any real AWS profile or config of the developer out of the way.
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            pool_id, client_id, tokens = _sign_in(endpoint, group="admins")
            _, _, other_tokens = _sign_in(endpoint, group=None)
            yield MotoPool(
                endpoint, pool_id, client_id, tokens["AccessToken"], tokens["IdToken"], other_tokens["AccessToken"]
            )
        finally:
            server.stop()


def _unverified(token: str, segment: int) -> dict[str, Any]:
    part = token.split(".")[segment]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _verifier(pool: MotoPool, token_use: cj.TokenUse, client_id: str | None = None) -> cj.CognitoJwtVerifier:
    return cj.CognitoJwtVerifier.create(
        pool.pool_id, token_use=token_use, client_id=client_id or pool.client_id, jwks_uri=pool.jwks_uri
    )


def test_moto_tokens_look_like_cognito_tokens(moto_pool: MotoPool) -> None:
    header, claims = _unverified(moto_pool.access_token, 0), _unverified(moto_pool.access_token, 1)
    assert header == {"typ": "JWT", "kid": "dummy", "alg": "RS256"}
    # moto uses AWS's issuer format, so the verifier's default issuer matches without an override.
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{moto_pool.pool_id}"
    assert claims["token_use"] == "access"
    assert claims["client_id"] == moto_pool.client_id


def test_moto_access_token_verifies(moto_pool: MotoPool) -> None:
    claims = _verifier(moto_pool, "access").verify(
        moto_pool.access_token, scopes="aws.cognito.signin.user.admin", groups="admins"
    )
    assert claims["username"] == "alice"
    assert claims["client_id"] == moto_pool.client_id


def test_moto_id_token_verifies(moto_pool: MotoPool) -> None:
    claims = _verifier(moto_pool, "id").verify(moto_pool.id_token, groups=["admins"])
    assert claims["cognito:username"] == "alice"
    assert claims["aud"] == moto_pool.client_id


def test_moto_tokens_are_rejected_for_the_wrong_use_or_client(moto_pool: MotoPool) -> None:
    with pytest.raises(cj.TokenUseError):
        _verifier(moto_pool, "access").verify(moto_pool.id_token)
    with pytest.raises(cj.TokenUseError):
        _verifier(moto_pool, "id").verify(moto_pool.access_token)
    with pytest.raises(cj.ClientIdError):
        _verifier(moto_pool, "access", client_id="someotherclient").verify(moto_pool.access_token)
    with pytest.raises(cj.ScopeError):
        _verifier(moto_pool, "access").verify(moto_pool.access_token, scopes="orders/read")


def test_moto_token_of_another_pool_is_rejected_by_issuer(moto_pool: MotoPool) -> None:
    # moto signs every pool's tokens with the same key, so the signature verifies and `iss` must catch it.
    verifier = cj.CognitoJwtVerifier.create(
        moto_pool.pool_id,
        token_use="access",
        client_id=_unverified(moto_pool.other_pool_access_token, 1)["client_id"],
        jwks_uri=moto_pool.jwks_uri,
    )
    with pytest.raises(cj.IssuerError, match=r"^iss: "):
        verifier.verify(moto_pool.other_pool_access_token)
