"""Unit tests of lambdas.shared.cognito_jwt: every check, JWKS caching/refetch/failure, concurrency.

Every verifier here points its jwks_uri at 127.0.0.1 (a local server or a closed port), never at AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from lambdas.shared import cognito_jwt as cj
from tests.unit.jwt_helpers import (
    CLIENT_ID,
    ISSUER,
    KID,
    NOW,
    OTHER_CLIENT_ID,
    POOL_ID,
    FakeClock,
    JwksServer,
    access_claims,
    b64url,
    b64url_json,
    hs256_sign,
    id_claims,
    jwk,
    jwks,
    jwks_server,
    public_pem,
    rsa_key,
    run_in_threads,
    token,
)

CLOSED_PORT_URI = "http://127.0.0.1:9/jwks.json"  # discard port: nothing listens, connection refused
MISSING = object()


@pytest.fixture(scope="session")
def key() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="session")
def jwks_doc(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    return jwks(jwk(key))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def shared_server() -> Iterator[JwksServer]:
    with jwks_server() as state:
        yield state


@pytest.fixture
def server(shared_server: JwksServer, jwks_doc: dict[str, Any]) -> JwksServer:
    """The local JWKS endpoint, serving `jwks_doc`; tests may change what it answers."""
    shared_server.reset(jwks_doc)
    return shared_server


MakeVerifier = Callable[..., cj.CognitoJwtVerifier]


@pytest.fixture
def make_verifier(server: JwksServer, clock: FakeClock) -> MakeVerifier:
    def make(**kwargs: Any) -> cj.CognitoJwtVerifier:
        options: dict[str, Any] = {"token_use": "access", "client_id": CLIENT_ID, "jwks_uri": server.url}
        options.update(kwargs)
        options.setdefault("clock", clock)
        return cj.CognitoJwtVerifier.create(POOL_ID, **options)

    return make


@pytest.fixture
def access_verifier(make_verifier: MakeVerifier) -> cj.CognitoJwtVerifier:
    return make_verifier()


@pytest.fixture
def id_verifier(make_verifier: MakeVerifier) -> cj.CognitoJwtVerifier:
    return make_verifier(token_use="id")


def segments(tok: str) -> list[str]:
    return tok.split(".")


def flip(text: str, index: int) -> str:
    """`text` with one base64url character changed (the result stays valid base64url)."""
    return text[:index] + ("B" if text[index] == "A" else "A") + text[index + 1 :]


# --- valid tokens ---------------------------------------------------------------------------------------------


def test_valid_access_token_returns_its_claims(access_verifier: cj.CognitoJwtVerifier) -> None:
    claims = access_claims()
    assert access_verifier.verify(token(claims)) == claims


def test_valid_id_token_returns_its_claims(id_verifier: cj.CognitoJwtVerifier) -> None:
    claims = id_claims()
    assert id_verifier.verify(token(claims)) == claims


def test_any_client_of_the_allow_list_is_accepted(make_verifier: MakeVerifier) -> None:
    verifier = make_verifier(client_id=[OTHER_CLIENT_ID, CLIENT_ID])
    assert verifier.verify(token(access_claims()))["client_id"] == CLIENT_ID
    assert verifier.verify(token(access_claims(client_id=OTHER_CLIENT_ID)))["client_id"] == OTHER_CLIENT_ID


def test_create_derives_region_issuer_and_jwks_uri() -> None:
    verifier = cj.CognitoJwtVerifier.create("us-gov-west-1_Xyz9", token_use="id", client_id="c")
    assert verifier.issuer == "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Xyz9"
    assert verifier.jwks_uri == verifier.issuer + "/.well-known/jwks.json"
    assert verifier.client_ids == frozenset({"c"})  # a str is one client id, not a set of characters
    override = cj.CognitoJwtVerifier.create(POOL_ID, token_use="id", client_id="c", issuer="http://localhost/p")
    assert override.issuer == "http://localhost/p"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_pool_id": "AbC123"},
        {"user_pool_id": "eu-west-1_"},
        {"token_use": "refresh"},
        {"client_id": []},
        {"client_id": ""},
        {"jwks_uri": "file:///etc/passwd"},
        {"region": "mars"},
        {"leeway_s": -1},
    ],
)
def test_create_rejects_bad_configuration(kwargs: dict[str, Any]) -> None:
    options: dict[str, Any] = {"user_pool_id": POOL_ID, "token_use": "access", "client_id": CLIENT_ID}
    options.update(kwargs)
    with pytest.raises(ValueError, match="must"):
        cj.CognitoJwtVerifier.create(options.pop("user_pool_id"), **options)


# --- tampering and algorithm confusion ------------------------------------------------------------------------


def test_tampered_payload_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    header, _, signature = segments(token(access_claims()))
    forged = b64url_json(access_claims(username="mallory", scope="admin"))
    with pytest.raises(cj.SignatureError, match=r"^signature: "):
        access_verifier.verify(f"{header}.{forged}.{signature}")


def test_tampered_header_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    _, payload, signature = segments(token(access_claims()))
    header = b64url_json({"kid": KID, "alg": "RS256", "typ": "JWT"})
    with pytest.raises(cj.SignatureError):
        access_verifier.verify(f"{header}.{payload}.{signature}")


def test_tampered_signature_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    header, payload, signature = segments(token(access_claims()))
    with pytest.raises(cj.SignatureError):
        access_verifier.verify(f"{header}.{payload}.{flip(signature, 10)}")


def test_signature_of_wrong_length_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    header, payload, _ = segments(token(access_claims()))
    with pytest.raises(cj.SignatureError):
        access_verifier.verify(f"{header}.{payload}.{b64url(bytes(255))}")


def test_token_signed_by_another_key_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    with pytest.raises(cj.SignatureError):
        access_verifier.verify(token(access_claims(), key=rsa_key("attacker")))


def test_alg_none_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    header = b64url_json({"kid": KID, "alg": "none"})
    payload = b64url_json(access_claims())
    with pytest.raises(cj.JwtAlgorithmError, match=r"^alg: "):
        access_verifier.verify(f"{header}.{payload}.{b64url(b'x')}")
    with pytest.raises(cj.JwtParseError):  # the classic form, with an empty signature segment
        access_verifier.verify(f"{header}.{payload}.")


def test_hs256_signed_with_the_public_key_as_secret_is_rejected(
    access_verifier: cj.CognitoJwtVerifier, key: rsa.RSAPrivateKey
) -> None:
    signing_input = f"{b64url_json({'kid': KID, 'alg': 'HS256', 'typ': 'JWT'})}.{b64url_json(access_claims())}"
    with pytest.raises(cj.JwtAlgorithmError, match="'HS256'"):
        access_verifier.verify(f"{signing_input}.{hs256_sign(signing_input, public_pem(key))}")


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "rs256", "RS256 ", "", None, 256, ["RS256"]])
def test_any_alg_but_rs256_is_rejected_even_with_a_valid_rs256_signature(
    access_verifier: cj.CognitoJwtVerifier, alg: Any
) -> None:
    header = {"kid": KID} if alg is None else {"kid": KID, "alg": alg}
    with pytest.raises(cj.JwtAlgorithmError):
        access_verifier.verify(token(access_claims(), header=header))


@pytest.mark.parametrize("extension", [{"crit": ["exp"]}, {"b64": False}, {"b64": False, "crit": ["b64"]}])
def test_jws_extensions_are_rejected(access_verifier: cj.CognitoJwtVerifier, extension: dict[str, Any]) -> None:
    with pytest.raises(cj.JwtParseError, match=r"^header: 'crit' and 'b64'"):
        access_verifier.verify(token(access_claims(), header={"kid": KID, "alg": "RS256", **extension}))


@pytest.mark.parametrize("header", [{"alg": "RS256"}, {"alg": "RS256", "kid": 1}, {"alg": "RS256", "kid": None}])
def test_missing_or_non_string_kid_is_rejected(access_verifier: cj.CognitoJwtVerifier, header: dict[str, Any]) -> None:
    with pytest.raises(cj.JwtParseError, match="kid"):
        access_verifier.verify(token(access_claims(), header=header))


def test_unknown_kid_is_rejected(access_verifier: cj.CognitoJwtVerifier, server: JwksServer) -> None:
    with pytest.raises(cj.KidNotFoundError, match=r"^kid: 'key-2'"):
        access_verifier.verify(token(access_claims(), key=rsa_key("second"), header={"kid": "key-2", "alg": "RS256"}))
    assert server.requests == 1


# --- claims ---------------------------------------------------------------------------------------------------


def test_expired_token_is_rejected_after_the_leeway(access_verifier: cj.CognitoJwtVerifier) -> None:
    leeway = cj.DEFAULT_LEEWAY_S
    assert access_verifier.verify(token(access_claims(exp=NOW - leeway + 1)))  # within the leeway
    with pytest.raises(cj.ExpiredError, match=r"^exp: ") as err:
        access_verifier.verify(token(access_claims(exp=NOW - leeway)))
    assert err.value.claims["username"] == "alice"  # verified claims travel with the error (for logging)


def test_not_yet_valid_token_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    leeway = cj.DEFAULT_LEEWAY_S
    assert access_verifier.verify(token(access_claims(nbf=NOW + leeway)))
    with pytest.raises(cj.NotYetValidError, match=r"^nbf: "):
        access_verifier.verify(token(access_claims(nbf=NOW + leeway + 1)))


def test_token_issued_in_the_future_is_rejected(access_verifier: cj.CognitoJwtVerifier) -> None:
    leeway = cj.DEFAULT_LEEWAY_S
    assert access_verifier.verify(token(access_claims(iat=NOW + leeway)))
    with pytest.raises(cj.NotYetValidError, match=r"^iat: "):
        access_verifier.verify(token(access_claims(iat=NOW + leeway + 1)))


def test_leeway_is_configurable(make_verifier: MakeVerifier) -> None:
    strict = make_verifier(leeway_s=0)
    with pytest.raises(cj.ExpiredError):
        strict.verify(token(access_claims(exp=NOW)))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", str(NOW + 3600)),
        ("exp", True),
        ("exp", [NOW + 3600]),
        ("exp", MISSING),
        ("iat", str(NOW)),
        ("iat", False),
        ("iat", MISSING),
        ("nbf", str(NOW)),
        ("nbf", None),
    ],
    ids=["exp-str", "exp-bool", "exp-list", "exp-missing", "iat-str", "iat-bool", "iat-missing", "nbf-str", "nbf-null"],
)
def test_time_claims_of_the_wrong_type_are_rejected(
    access_verifier: cj.CognitoJwtVerifier, claim: str, value: Any
) -> None:
    claims = access_claims()
    if value is MISSING:
        del claims[claim]
    else:
        claims[claim] = value
    with pytest.raises(cj.ClaimTypeError, match=f"^{claim}: "):
        access_verifier.verify(token(claims))


def test_nan_and_infinite_numbers_are_not_json(access_verifier: cj.CognitoJwtVerifier) -> None:
    for constant in ("Infinity", "-Infinity", "NaN", "1e999"):
        payload = json.dumps(access_claims()).replace(f'"exp": {NOW + 3600}', f'"exp": {constant}')
        assert constant in payload
        with pytest.raises(cj.JwtParseError, match=r"^payload: "):
            access_verifier.verify(token(b64url(payload.encode())))


@pytest.mark.parametrize(
    "issuer",
    [
        ISSUER + "/",
        ISSUER.replace("AbC123xyz", "AbC123xyZ"),
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
        "https://evil.example/eu-west-1_AbC123xyz",
        None,
        [ISSUER],
    ],
)
def test_wrong_issuer_is_rejected(access_verifier: cj.CognitoJwtVerifier, issuer: Any) -> None:
    claims = access_claims()
    claims["iss"] = issuer
    with pytest.raises(cj.IssuerError, match=r"^iss: "):
        access_verifier.verify(token(claims))


@pytest.mark.parametrize("client", [OTHER_CLIENT_ID, None, [CLIENT_ID], CLIENT_ID.upper()])
def test_access_token_of_another_client_is_rejected(access_verifier: cj.CognitoJwtVerifier, client: Any) -> None:
    claims = access_claims()
    claims["client_id"] = client
    with pytest.raises(cj.ClientIdError, match=r"^client_id: "):
        access_verifier.verify(token(claims))


@pytest.mark.parametrize("audience", [OTHER_CLIENT_ID, None, [CLIENT_ID], {"client": CLIENT_ID}])
def test_id_token_for_another_audience_is_rejected(id_verifier: cj.CognitoJwtVerifier, audience: Any) -> None:
    claims = id_claims()
    claims["aud"] = audience
    with pytest.raises(cj.AudienceError, match=r"^aud: "):
        id_verifier.verify(token(claims))


def test_wrong_token_use_is_rejected(
    access_verifier: cj.CognitoJwtVerifier, id_verifier: cj.CognitoJwtVerifier
) -> None:
    with pytest.raises(cj.TokenUseError, match=r"^token_use: "):
        access_verifier.verify(token(id_claims()))
    with pytest.raises(cj.TokenUseError):
        id_verifier.verify(token(access_claims()))
    with pytest.raises(cj.TokenUseError):  # an access token relabelled, still for this client
        access_verifier.verify(token(access_claims(token_use="id")))


def test_required_scopes(access_verifier: cj.CognitoJwtVerifier) -> None:
    tok = token(access_claims())
    assert access_verifier.verify(tok, scopes="orders/read")
    assert access_verifier.verify(tok, scopes=["orders/read", "aws.cognito.signin.user.admin"])
    with pytest.raises(cj.ScopeError, match=r"^scope: missing required scope\(s\) \['orders/write'\]"):
        access_verifier.verify(tok, scopes=["orders/read", "orders/write"])  # all are required
    with pytest.raises(cj.ScopeError):
        access_verifier.verify(tok, scopes="orders")  # no prefix matching
    with pytest.raises(cj.ScopeError):
        access_verifier.verify(token(access_claims(scope=None)), scopes="orders/read")


def test_required_groups(access_verifier: cj.CognitoJwtVerifier) -> None:
    tok = token(access_claims())
    assert access_verifier.verify(tok, groups="admins")
    assert access_verifier.verify(tok, groups=["admins", "readers"])
    with pytest.raises(cj.GroupError, match=r"^cognito:groups: "):
        access_verifier.verify(tok, groups=["admins", "auditors"])
    with pytest.raises(cj.GroupError):
        access_verifier.verify(token(access_claims(**{"cognito:groups": None})), groups="admins")
    with pytest.raises(cj.GroupError):
        access_verifier.verify(token(access_claims(**{"cognito:groups": "admins"})), groups="admins")


# --- malformed tokens -----------------------------------------------------------------------------------------


def _malformed(valid: str) -> dict[str, str]:
    header, payload, signature = segments(valid)
    return {
        "empty": "",
        "two-segments": f"{header}.{payload}",
        "four-segments": f"{valid}.{signature}",
        "empty-header": f".{payload}.{signature}",
        "empty-payload": f"{header}..{signature}",
        "empty-signature": f"{header}.{payload}.",
        "only-dots": "..",
        "padding": f"{header}.{payload}.{signature}==",
        "padding-in-header": f"{header}=.{payload}.{signature}",
        "standard-alphabet": f"{header}.{payload}.{signature[:-2]}+/",
        "star": f"{header}.{payload}.{signature[:-1]}*",
        "space": f"{header}.{payload}. {signature}",
        "trailing-newline": f"{valid}\n",
        "leading-bearer": f"Bearer {valid}",
        "non-ascii": f"{header}.{payload}.{signature[:-1]}é",
        "fullwidth-digit": f"{header}.{payload}.{signature[:-1]}\uff11",
        "length-1-mod-4": f"{header}.{payload}.{signature}AAA",  # 342 + 3 characters
        "non-canonical-tail": f"{header}.{payload}.{signature[:-1]}B",  # 'B' sets a bit beyond the 256th byte
    }


@pytest.mark.parametrize("case", list(_malformed(token(access_claims()))))
def test_malformed_token_is_rejected(access_verifier: cj.CognitoJwtVerifier, case: str) -> None:
    with pytest.raises(cj.JwtParseError):
        access_verifier.verify(_malformed(token(access_claims()))[case])


@pytest.mark.parametrize(
    "header_b64",
    [
        b64url(b"not json"),
        b64url(b'{"alg": "RS256", "kid": "key-1"'),
        b64url(b"\xff\xfe{}"),
        b64url_json(["RS256", KID]),
        b64url_json("RS256"),
        b64url_json(256),
        b64url_json(None),
        b64url(b"[" * 5000 + b"]" * 5000),  # overflows the JSON parser's recursion limit: RecursionError
    ],
    ids=["text", "truncated", "invalid-utf8", "array", "string", "number", "null", "deep-nesting"],
)
def test_header_that_is_not_a_json_object_is_rejected(access_verifier: cj.CognitoJwtVerifier, header_b64: str) -> None:
    with pytest.raises(cj.JwtParseError, match=r"^header: "):
        access_verifier.verify(token(access_claims(), header=header_b64))


@pytest.mark.parametrize("payload", [["a"], "claims", 1, None, "{"], ids=["array", "string", "number", "null", "bad"])
def test_signed_payload_that_is_not_a_json_object_is_rejected(
    access_verifier: cj.CognitoJwtVerifier, payload: Any
) -> None:
    payload_b64 = b64url(payload.encode()) if payload == "{" else b64url_json(payload)
    with pytest.raises(cj.JwtParseError, match=r"^payload: "):
        access_verifier.verify(token(payload_b64))


def test_oversized_token_is_rejected_before_parsing(access_verifier: cj.CognitoJwtVerifier) -> None:
    big = token(access_claims(padding="x" * cj.MAX_TOKEN_LENGTH))
    with pytest.raises(cj.JwtParseError, match="longer than"):
        access_verifier.verify(big)
    with pytest.raises(cj.JwtParseError, match="longer than"):
        access_verifier.verify("x" * 10_000_000)


@pytest.mark.parametrize("value", [None, b"a.b.c", 123, ["a", "b", "c"]])
def test_non_string_token_is_rejected(make_verifier: MakeVerifier, value: Any) -> None:
    for verifier in (make_verifier(), make_verifier(verified_cache_size=10)):
        with pytest.raises(cj.JwtParseError, match=r"^token: must be a str"):
            verifier.verify(value)


def test_every_error_is_a_jwt_invalid_error() -> None:
    errors = [
        cj.JwtParseError,
        cj.JwtAlgorithmError,
        cj.KidNotFoundError,
        cj.SignatureError,
        cj.JwksError,
        cj.JwksFetchError,
        cj.ClaimTypeError,
        cj.IssuerError,
        cj.TokenUseError,
        cj.ClientIdError,
        cj.AudienceError,
        cj.ExpiredError,
        cj.NotYetValidError,
        cj.ScopeError,
        cj.GroupError,
    ]
    assert all(issubclass(error, cj.JwtInvalidError) for error in errors)
    assert issubclass(cj.AudienceError, cj.ClientIdError)


# --- JWKS: keys accepted, caching, rotation, rate limit, failures, threads ------------------------------------


def test_jwks_is_fetched_once_for_many_verifications(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer
) -> None:
    assert server.requests == 0  # lazy: nothing fetched at creation
    for i in range(50):
        access_verifier.verify(token(access_claims(jti=f"jti-{i}")))
    assert server.requests == 1


def test_preloaded_jwks_needs_no_fetch(
    make_verifier: MakeVerifier, server: JwksServer, jwks_doc: dict[str, Any]
) -> None:
    verifier = make_verifier()
    verifier.cache_jwks(jwks_doc)
    verifier.verify(token(access_claims()))
    assert server.requests == 0


def test_hydrate_fetches_eagerly(access_verifier: cj.CognitoJwtVerifier, server: JwksServer) -> None:
    access_verifier.hydrate()
    assert server.requests == 1
    access_verifier.verify(token(access_claims()))
    assert server.requests == 1


def test_key_rotation_refetches_on_unknown_kid(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer, key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    access_verifier.verify(token(access_claims()))
    new_key = rsa_key("rotated")
    server.serve_jwks(jwks(jwk(key), jwk(new_key, kid="key-2")))  # Cognito publishes the next key
    clock.advance(cj.DEFAULT_JWKS_REFETCH_INTERVAL_S)
    rotated = token(access_claims(), key=new_key, header={"kid": "key-2", "alg": "RS256"})
    assert access_verifier.verify(rotated)
    assert access_verifier.verify(token(access_claims()))  # the old key is still there
    assert server.requests == 2


def test_removed_key_is_dropped_on_refetch(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer, clock: FakeClock
) -> None:
    access_verifier.verify(token(access_claims()))
    new_key = rsa_key("rotated")
    server.serve_jwks(jwks(jwk(new_key, kid="key-2")))
    clock.advance(cj.DEFAULT_JWKS_REFETCH_INTERVAL_S)
    access_verifier.verify(token(access_claims(), key=new_key, header={"kid": "key-2", "alg": "RS256"}))
    with pytest.raises(cj.KidNotFoundError):
        access_verifier.verify(token(access_claims()))


def test_unknown_kids_refetch_at_most_once_per_interval(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer, clock: FakeClock
) -> None:
    def random_kid_token(i: int) -> str:
        return token(access_claims(), header={"kid": f"random-{i}", "alg": "RS256"})

    access_verifier.verify(token(access_claims()))  # fetch 1
    for i in range(200):  # a flood of unknown kids over 50 s: no refetch
        with pytest.raises(cj.KidNotFoundError, match="refetch allowed every 60 s"):
            access_verifier.verify(random_kid_token(i))
        clock.advance(0.25)
    assert server.requests == 1
    clock.advance(cj.DEFAULT_JWKS_REFETCH_INTERVAL_S - 50)
    for i in range(200):  # the interval has passed: the first unknown kid refetches, the others don't
        with pytest.raises(cj.KidNotFoundError):
            access_verifier.verify(random_kid_token(i))
    assert server.requests == 2
    assert access_verifier.verify(token(access_claims()))  # known keys keep working throughout
    assert server.requests == 2


def test_refetch_interval_is_configurable(make_verifier: MakeVerifier, server: JwksServer, clock: FakeClock) -> None:
    verifier = make_verifier(jwks_refetch_interval_s=5)
    verifier.verify(token(access_claims()))
    clock.advance(5)
    with pytest.raises(cj.KidNotFoundError):
        verifier.verify(token(access_claims(), header={"kid": "random", "alg": "RS256"}))
    assert server.requests == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b'{"keys": []}'),
        (404, b"not found"),
        (200, b"<html>not json</html>"),
        (200, b'["keys"]'),
        (200, b'{"kees": []}'),
        (200, b'{"keys": [{"kty": "EC", "kid": "key-1", "use": "sig"}]}'),
        (200, b'{"keys": ' + b" " * cj.MAX_JWKS_BYTES + b"[]}"),
    ],
    ids=["http-500", "http-404", "not-json", "not-object", "no-keys", "no-rsa-key", "too-big"],
)
def test_failed_fetch_fails_closed(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer, status: int, body: bytes
) -> None:
    server.status, server.body = status, body
    with pytest.raises(cj.JwksFetchError, match=r"^jwks: "):
        access_verifier.verify(token(access_claims()))
    server.serve_jwks(jwks(jwk(rsa_key())))  # the endpoint recovers: the next verification fetches again
    assert access_verifier.verify(token(access_claims()))
    assert server.requests == 2


def test_connection_refused_fails_closed(make_verifier: MakeVerifier) -> None:
    with pytest.raises(cj.JwksFetchError, match=r"^jwks: fetching"):
        make_verifier(jwks_uri=CLOSED_PORT_URI).verify(token(access_claims()))


def test_fetch_timeout_fails_closed(make_verifier: MakeVerifier, server: JwksServer) -> None:
    server.delay_s = 1.0
    with pytest.raises(cj.JwksFetchError, match="timed out"):
        make_verifier(jwks_fetch_timeout_s=0.2).verify(token(access_claims()))


def test_slow_dripping_response_hits_the_overall_deadline(make_verifier: MakeVerifier, server: JwksServer) -> None:
    server.drip_s = 0.05  # each byte arrives well within the socket timeout, the whole body would take ~15 s
    with pytest.raises(cj.JwksFetchError, match="longer than"):
        make_verifier(jwks_fetch_timeout_s=0.3).verify(token(access_claims()))


def test_failed_refetch_keeps_the_known_keys(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer, clock: FakeClock
) -> None:
    access_verifier.verify(token(access_claims()))
    server.status = 500
    clock.advance(cj.DEFAULT_JWKS_REFETCH_INTERVAL_S)
    with pytest.raises(cj.JwksFetchError):
        access_verifier.verify(token(access_claims(), header={"kid": "new", "alg": "RS256"}))
    with pytest.raises(cj.KidNotFoundError):  # and a failing endpoint is not hammered either
        access_verifier.verify(token(access_claims(), header={"kid": "new", "alg": "RS256"}))
    assert access_verifier.verify(token(access_claims()))
    assert server.requests == 2


def test_jwks_ignores_keys_unfit_for_rs256(access_verifier: cj.CognitoJwtVerifier, server: JwksServer) -> None:
    unfit = {
        "enc": jwk(rsa_key("enc"), kid="enc", use="enc"),
        "no-use": jwk(rsa_key("no-use"), kid="no-use", use=None),
        "rs512": jwk(rsa_key("rs512"), kid="rs512", alg="RS512"),
        "small": jwk(rsa_key("small", 1024), kid="small"),
        "bad-n": jwk(rsa_key("bad-n"), kid="bad-n", n="+not/base64url"),
    }
    server.serve_jwks(jwks(jwk(rsa_key()), *unfit.values(), {"kty": "EC", "kid": "ec", "use": "sig"}))
    for kid in unfit:
        bits = 1024 if kid == "small" else 2048
        with pytest.raises(cj.KidNotFoundError):
            access_verifier.verify(token(access_claims(), key=rsa_key(kid, bits), header={"kid": kid, "alg": "RS256"}))
    assert access_verifier.verify(token(access_claims()))


def test_cache_jwks_rejects_a_document_without_usable_keys(access_verifier: cj.CognitoJwtVerifier) -> None:
    with pytest.raises(cj.JwksError):
        access_verifier.cache_jwks({"keys": [jwk(rsa_key(), use="enc")]})
    with pytest.raises(cj.JwksError):
        access_verifier.cache_jwks({})


def test_concurrent_first_calls_share_one_fetch(access_verifier: cj.CognitoJwtVerifier, server: JwksServer) -> None:
    server.delay_s = 0.2  # keep the first fetch in flight while the other threads arrive
    tokens = [token(access_claims(jti=f"t{i}")) for i in range(16)]
    results = run_in_threads(16, lambda: [access_verifier.verify(t) for t in tokens])
    assert all(isinstance(r, list) and len(r) == 16 for r in results), results
    assert server.requests == 1


def test_concurrent_first_calls_share_one_failed_fetch(
    access_verifier: cj.CognitoJwtVerifier, server: JwksServer
) -> None:
    server.status, server.delay_s = 503, 0.2
    tok = token(access_claims())
    results = run_in_threads(8, lambda: access_verifier.verify(tok))
    assert all(isinstance(r, cj.JwksFetchError) for r in results), results
    assert server.requests == 1


def test_header_memo_learns_only_from_valid_signatures_and_is_bounded(access_verifier: cj.CognitoJwtVerifier) -> None:
    for i in range(40):  # distinct headers, each passing the header checks, none with a valid signature
        header = {"kid": KID, "alg": "RS256", "typ": f"t{i}"}
        with pytest.raises(cj.SignatureError):
            access_verifier.verify(token(access_claims(), key=rsa_key("attacker"), header=header))
    assert access_verifier._verified_headers == {}
    for i in range(40):
        access_verifier.verify(token(access_claims(), header={"kid": KID, "alg": "RS256", "typ": f"t{i}"}))
    assert len(access_verifier._verified_headers) == 16


# --- opt-in verified-token cache ------------------------------------------------------------------------------


def test_verified_cache_still_checks_expiry_scopes_and_groups(make_verifier: MakeVerifier, clock: FakeClock) -> None:
    verifier = make_verifier(verified_cache_size=8)
    tok = token(access_claims(exp=NOW + 60))
    first = verifier.verify(tok)
    first["username"] = "mallory"  # callers mutating their copy can't poison the cache
    assert verifier.verify(tok)["username"] == "alice"
    with pytest.raises(cj.ScopeError):
        verifier.verify(tok, scopes="orders/write")
    with pytest.raises(cj.GroupError):
        verifier.verify(tok, groups="auditors")
    clock.advance(60 + cj.DEFAULT_LEEWAY_S)
    with pytest.raises(cj.ExpiredError):
        verifier.verify(tok)


def test_verified_cache_only_holds_valid_tokens_and_is_bounded(make_verifier: MakeVerifier) -> None:
    verifier = make_verifier(verified_cache_size=2)
    tokens = [token(access_claims(jti=f"t{i}")) for i in range(3)]
    for tok in tokens:
        verifier.verify(tok)
    assert list(verifier._verified) == tokens[1:]  # least recently used evicted
    header, payload, signature = segments(tokens[2])
    with pytest.raises(cj.SignatureError):  # a near-identical string is not a cache hit
        verifier.verify(f"{header}.{payload}.{flip(signature, 100)}")
