"""Test helpers for lambdas.shared.cognito_jwt: keys, JWKS, hand-signed tokens and a local JWKS server.

Tokens are built and signed here with `cryptography` directly (no JWT library), so tests control every byte.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

REGION = "eu-west-1"
POOL_ID = "eu-west-1_AbC123xyz"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
CLIENT_ID = "1example23456789abcdefghij"
OTHER_CLIENT_ID = "9other98765432zyxwvutsrqpo"
KID = "key-1"
NOW = 1_700_000_000  # fixed "now" for the fake clock


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@functools.cache
def rsa_key(name: str = "main", bits: int = 2048) -> rsa.RSAPrivateKey:
    """One RSA key per name for the whole session (generation costs ~0.1 s)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def jwk(private_key: rsa.RSAPrivateKey, kid: str = KID, **overrides: Any) -> dict[str, Any]:
    numbers = private_key.public_key().public_numbers()
    key = {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
    }
    key.update(overrides)
    return {k: v for k, v in key.items() if v is not None}


def jwks(*keys: dict[str, Any]) -> dict[str, Any]:
    return {"keys": list(keys)}


def public_pem(private_key: rsa.RSAPrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def rs256_sign(signing_input: str, private_key: rsa.RSAPrivateKey) -> str:
    return b64url(private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()))


def hs256_sign(signing_input: str, secret: bytes) -> str:
    return b64url(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def token(
    claims: dict[str, Any] | str,
    *,
    key: rsa.RSAPrivateKey | None = None,
    header: dict[str, Any] | str | None = None,
) -> str:
    """An RS256 token. `claims`/`header` may be raw (already base64url-encoded) segment strings."""
    header_b64 = header if isinstance(header, str) else b64url_json(header or {"kid": KID, "alg": "RS256"})
    payload_b64 = claims if isinstance(claims, str) else b64url_json(claims)
    signing_input = f"{header_b64}.{payload_b64}"
    return f"{signing_input}.{rs256_sign(signing_input, key or rsa_key())}"


def access_claims(now: float = NOW, /, **overrides: Any) -> dict[str, Any]:
    """Claims shaped like a real Cognito access token."""
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admins", "readers"],
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin orders/read",
        "auth_time": int(now) - 10,
        "exp": int(now) + 3600,
        "iat": int(now) - 10,
        "jti": "abcdefab-cdef-abcd-efab-cdefabcdefab",
        "username": "alice",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def id_claims(now: float = NOW, /, **overrides: Any) -> dict[str, Any]:
    """Claims shaped like a real Cognito ID token."""
    claims = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "cognito:groups": ["admins"],
        "email_verified": True,
        "iss": ISSUER,
        "cognito:username": "alice",
        "origin_jti": "11111111-2222-3333-4444-555555555555",
        "aud": CLIENT_ID,
        "event_id": "66666666-7777-8888-9999-000000000000",
        "token_use": "id",
        "auth_time": int(now) - 10,
        "exp": int(now) + 3600,
        "iat": int(now) - 10,
        "jti": "abcdefab-cdef-abcd-efab-cdefabcdefab",
        "email": "alice@example.com",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


class FakeClock:
    """Injectable `clock`: returns `now` until moved."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class JwksServer:
    """What the local JWKS endpoint answers; change fields between requests. Counts requests."""

    body: bytes = b'{"keys": []}'
    status: int = 200
    delay_s: float = 0.0
    drip_s: float | None = None  # if set, send the body one byte per drip_s seconds
    url: str = ""
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve_jwks(self, document: dict[str, Any]) -> None:
        self.body, self.status = json.dumps(document).encode(), 200

    def reset(self, document: dict[str, Any]) -> None:
        """Back to serving `document` promptly, request count zero (one server serves many tests)."""
        self.serve_jwks(document)
        self.delay_s, self.drip_s = 0.0, None
        with self.lock:
            self.requests = 0


@contextmanager
def jwks_server(document: dict[str, Any] | None = None) -> Iterator[JwksServer]:
    """A JWKS endpoint on 127.0.0.1 (ephemeral port) served from a background thread."""
    state = JwksServer()
    if document is not None:
        state.serve_jwks(document)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests += 1
            time.sleep(state.delay_s)
            body, drip = state.body, state.drip_s
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                if drip is None:
                    self.wfile.write(body)
                    return
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(drip)
            except OSError:  # the client gave up (timeout tests)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/{POOL_ID}/.well-known/jwks.json"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_in_threads(n: int, fn: Callable[[], Any]) -> list[Any]:
    """Run `fn` in `n` threads released together; return each result or raised exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results
