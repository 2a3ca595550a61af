"""Differential test: the verifier never accepts a token that PyJWT (test oracle only), configured the same way,
rejects. Hypothesis mutates valid Cognito tokens: claim and header edits re-signed by the right key, a wrong key
or not at all, algorithm switches, then character flips and segment swaps, truncations and duplications.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lambdas.shared import cognito_jwt as cj
from tests.unit.jwt_helpers import (
    CLIENT_ID,
    ISSUER,
    KID,
    OTHER_CLIENT_ID,
    POOL_ID,
    access_claims,
    b64url,
    b64url_json,
    hs256_sign,
    id_claims,
    jwk,
    jwks,
    public_pem,
    rs256_sign,
    rsa_key,
)

# 1,000 generated tokens: run on the default interpreter only (pyproject.toml, marker "long").
pytestmark = pytest.mark.long

LEEWAY_S = 30
KEY = rsa_key()
WRONG_KEY = rsa_key("attacker")
DELETE = object()  # "remove this claim / header field"


def _relative(offset: int) -> tuple[str, int]:
    return ("now+", offset)  # resolved to int(time.time()) + offset when the token is built


# Offsets are at least 15 s away from the +-30 s leeway boundaries, so both verifiers, reading the clock a few
# milliseconds apart, always agree on time checks.
TIMES = [_relative(o) for o in (-7200, -45, -15, 15, 45, 7200)]
WEIRD = [DELETE, None, "1700000000", True, False, 1e300, -1, [], {}, 0.5]
CLAIM_VALUES: dict[str, list[Any]] = {
    "exp": TIMES + WEIRD,
    "nbf": TIMES + WEIRD,
    "iat": TIMES + WEIRD,
    "iss": [ISSUER, ISSUER + "/", ISSUER.upper(), "https://cognito-idp.eu-west-1.amazonaws.com/x", [ISSUER], DELETE],
    "aud": [CLIENT_ID, OTHER_CLIENT_ID, [CLIENT_ID], [OTHER_CLIENT_ID], "", DELETE, 7],
    "client_id": [CLIENT_ID, OTHER_CLIENT_ID, [CLIENT_ID], DELETE, None],
    "token_use": ["access", "id", "refresh", "ACCESS", DELETE, None],
    "scope": ["openid", "", DELETE, 1],
    "cognito:groups": [["admins"], [], "admins", DELETE],
    "custom:tenant": ["t1", {"nested": [1, 2]}, DELETE],
}
HEADER_VALUES: dict[str, list[Any]] = {
    "alg": ["RS256", "none", "HS256", "RS384", "RS512", "PS256", "ES256", "rs256", "", None, DELETE, ["RS256"]],
    "kid": [KID, "unknown", "", None, DELETE, 1, [KID]],
    "typ": ["JWT", "at+jwt", 1],
    "crit": [["exp"], [], "b64"],
    "b64": [False, True],
    "jku": ["https://evil.example/jwks.json"],
    "jwk": [jwk(WRONG_KEY)],
}
SIGNERS = ["keep", "right", "right", "right", "wrong", "hs256-public-pem", "empty", "garbage"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _resolve(value: Any, now: int) -> Any:
    return now + value[1] if isinstance(value, tuple) else value


def _edit(base: dict[str, Any], edits: list[tuple[str, Any]], now: int) -> dict[str, Any]:
    result = dict(base)
    for name, value in edits:
        if value is DELETE:
            result.pop(name, None)
        else:
            result[name] = _resolve(value, now)
    return result


def _sign(signing_input: str, signer: str, original_signature: str) -> str:
    if signer == "keep":
        return original_signature
    if signer == "right":
        return rs256_sign(signing_input, KEY)
    if signer == "wrong":
        return rs256_sign(signing_input, WRONG_KEY)
    if signer == "hs256-public-pem":  # the classic RS/HS key-confusion forgery
        return hs256_sign(signing_input, public_pem(KEY))
    if signer == "empty":
        return ""
    return b64url(b"\x00" * 256)


def _text_mutation(tok: str, mutation: tuple[Any, ...]) -> str:
    kind, a, b, char = mutation
    parts = tok.split(".")
    if kind == "flip":  # change one character of a segment (maybe to a non-base64url one)
        seg = parts[a % len(parts)]
        if seg:
            i = b % len(seg)
            parts[a % len(parts)] = seg[:i] + char + seg[i + 1 :]
    elif kind == "swap":
        i, j = a % len(parts), b % len(parts)
        parts[i], parts[j] = parts[j], parts[i]
    elif kind == "truncate":
        i = a % len(parts)
        parts[i] = parts[i][: len(parts[i]) - 1 - b % 8]
    elif kind == "duplicate":
        parts.insert(b % (len(parts) + 1), parts[a % len(parts)])
    elif kind == "drop":
        del parts[a % len(parts)]
    elif kind == "wrap":
        return f"{char}{tok}" if a % 2 else f"{tok}{char}"
    return ".".join(parts)


mutations = st.tuples(
    st.sampled_from(["flip", "swap", "truncate", "duplicate", "drop", "wrap"]),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from([*ALPHABET[::5], "=", "+", "/", ".", " ", "\n", "é", "A"]),
)


def _oracle_accepts(tok: str, token_use: str) -> dict[str, Any] | None:
    """PyJWT with the same settings, plus the Cognito checks PyJWT has no notion of."""
    try:
        claims: dict[str, Any] = jwt.decode(
            tok,
            KEY.public_key(),
            algorithms=["RS256"],
            issuer=ISSUER,
            audience=CLIENT_ID if token_use == "id" else None,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iat", "iss"], "verify_aud": token_use == "id"},
        )
    except Exception:  # any failure, including a TypeError on odd claim types, is a rejection
        return None
    if claims.get("token_use") != token_use:
        return None
    if token_use == "access" and claims.get("client_id") != CLIENT_ID:
        return None
    return claims


def _verifier(token_use: cj.TokenUse) -> cj.CognitoJwtVerifier:
    # Nothing listens on 127.0.0.1:9, so an unknown kid's refetch fails closed without leaving the host.
    verifier = cj.CognitoJwtVerifier.create(
        POOL_ID, token_use=token_use, client_id=CLIENT_ID, jwks_uri="http://127.0.0.1:9/jwks.json", leeway_s=LEEWAY_S
    )
    verifier.cache_jwks(jwks(jwk(KEY)))
    return verifier


VERIFIERS = {"access": _verifier("access"), "id": _verifier("id")}


def _edits(values: dict[str, list[Any]]) -> st.SearchStrategy[list[tuple[str, Any]]]:
    edit = st.sampled_from(sorted(values)).flatmap(lambda name: st.tuples(st.just(name), st.sampled_from(values[name])))
    # Few edits on average, so a good share of tokens stays valid up to the one change under test.
    return st.sampled_from([0, 0, 1, 1, 1, 2, 3]).flatmap(lambda n: st.lists(edit, min_size=n, max_size=n))


@settings(max_examples=1000, deadline=None, database=None)
@given(
    token_use=st.sampled_from(["access", "id"]),
    claim_edits=_edits(CLAIM_VALUES),
    header_edits=_edits(HEADER_VALUES),
    signer=st.sampled_from(SIGNERS),
    text_mutations=st.sampled_from([0, 0, 0, 1, 2]).flatmap(lambda n: st.lists(mutations, min_size=n, max_size=n)),
)
def test_never_accepts_what_pyjwt_rejects(
    token_use: cj.TokenUse,
    claim_edits: list[tuple[str, Any]],
    header_edits: list[tuple[str, Any]],
    signer: str,
    text_mutations: list[tuple[Any, ...]],
) -> None:
    now = int(time.time())
    base_claims = access_claims(now) if token_use == "access" else id_claims(now)
    header_b64 = b64url_json(_edit({"kid": KID, "alg": "RS256"}, header_edits, now))
    payload_b64 = b64url_json(_edit(base_claims, claim_edits, now))
    original_signature = rs256_sign(f"{b64url_json({'kid': KID, 'alg': 'RS256'})}.{b64url_json(base_claims)}", KEY)
    tok = f"{header_b64}.{payload_b64}.{_sign(f'{header_b64}.{payload_b64}', signer, original_signature)}"
    for mutation in text_mutations:
        tok = _text_mutation(tok, mutation)

    try:
        ours: dict[str, Any] | None = VERIFIERS[token_use].verify(tok)
    except cj.JwtInvalidError as exc:
        ours = None
        event(f"rejected: {type(exc).__name__}")
    oracle = _oracle_accepts(tok, token_use)
    event(f"verifier {'accepts' if ours else 'rejects'}, PyJWT {'accepts' if oracle else 'rejects'}")
    if ours is not None:
        assert oracle is not None, f"accepted a token PyJWT rejects: {tok}"
        assert ours == oracle
