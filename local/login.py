"""The user pool's public face: the local "login domain" and "cognito-idp endpoint", in front of cognito-local.

cognito-local (docs/decisions/0016) keeps the users, confirmation codes, groups, refresh tokens and the login
form, and calls the pre sign-up, post confirmation and custom message triggers through the Lambda Invoke API. This
server adds what it lacks, each as the cited AWS document describes it:

- OIDC discovery (`/.well-known/openid-configuration`, OpenID Connect Discovery 1.0, as Cognito serves it under
  the issuer) and the JWKS of this run's signing key (local.tokens);
- the authorization code grant's scopes and nonce ("Authorize endpoint": requested scopes must be allowed for the
  client, no scope means all of them; "Token endpoint"), the revocation endpoint ("Revoke endpoint"), the userInfo
  endpoint ("userInfo endpoint") and the logout endpoint ("Logout endpoint": redirect only to a registered
  logout_uri of the client);
- USER_SRP_AUTH (local.srp), and each client's ExplicitAuthFlows (Cognito API Reference, InitiateAuth:
  "InvalidParameterException ... flow not enabled for this client"), so USER_PASSWORD_AUTH stays off here too;
- tokens from the V2_0 pre token generation trigger (local.tokens), for SDK sign-in, the code grant and refresh;
- the pool's password policy at sign-up ("Password policies": InvalidPasswordException naming the rule), and
  `email_verified` set once the emailed code confirms the sign-up ("Verifying contact information at sign-up");
- access tokens checked before a user API uses them, and GlobalSignOut (revokes every refresh token the user got);
- the local mailbox: every message cognito-local would have sent, `GET /_local/mailbox?address=EMAIL`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from lambdas.shared.cognito_jwt import CognitoJwtVerifier, JwtInvalidError
from local import srp
from local.tokens import ADMIN_API_SCOPE, Client, Issued, Issuer, User, decode_unverified

_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_FLOW_SETTINGS = {
    "USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH",
    "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
    "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH",
    "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
    "USER_AUTH": "ALLOW_USER_AUTH",
    "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH",
}
_WRONG_PASSWORD = "Incorrect username or password."  # noqa: S105 - Cognito's message, not a password


class CognitoError(Exception):
    """An error answer of the Cognito API: HTTP 400 with `__type` and `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Grants:
    """What Cognito remembers between calls and cognito-local does not: per authorization request, code and
    refresh token, the scopes granted and the nonce; per user, the refresh tokens issued and the last global
    sign-out."""

    by_challenge: dict[str, tuple[list[str], str | None]] = field(default_factory=dict)
    by_code: dict[str, tuple[list[str], str | None]] = field(default_factory=dict)
    by_refresh_token: dict[str, list[str]] = field(default_factory=dict)
    refresh_tokens_of: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # sub -> [(client, token)]
    signed_out_at: dict[str, int] = field(default_factory=dict)
    srp: dict[str, tuple[srp.Challenge, str]] = field(default_factory=dict)  # secret block -> (challenge, client)
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoginServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        *,
        upstream: str,
        issuer: Issuer,
        clients: Mapping[str, Client],
        users_file: Path,
        case_sensitive: bool,
        password_policy: Mapping[str, Any],
        mailbox: Path,
        port: int = 0,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.upstream = urlsplit(upstream)
        self.issuer = issuer
        self.clients = dict(clients)
        self.users_file = users_file
        self.case_sensitive = case_sensitive
        self.password_policy = dict(password_policy)
        self.mailbox = mailbox
        self.grants = Grants()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.pool_name = issuer.user_pool_id.split("_", 1)[1]
        self.jwks_path = f"/{issuer.user_pool_id}/.well-known/jwks.json"
        self.access_verifier = CognitoJwtVerifier.create(
            issuer.user_pool_id,
            token_use="access",  # noqa: S106 - a claim value, not a password
            client_id=list(self.clients),
            jwks_uri=self.url + self.jwks_path,
            issuer=issuer.issuer,
        )
        self.access_verifier.cache_jwks(issuer.key.jwks())

    # --- cognito-local ------------------------------------------------------------------------------------------

    def forward(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(str(self.upstream.hostname), self.upstream.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def call(self, target: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """One Cognito API call to cognito-local; CognitoError for its error answers."""
        status, _, body = self.forward(
            "POST",
            "/",
            json.dumps(request).encode(),
            {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": _TARGET_PREFIX + target},
        )
        answer = json.loads(body or b"{}")
        if status != HTTPStatus.OK:
            raise CognitoError(str(answer.get("__type", "InternalErrorException")), str(answer.get("message", "")))
        return dict(answer)

    def stored_user(self, username: str) -> dict[str, Any] | None:
        """The user's record in cognito-local's store (by username, sub or email), with its password."""
        for _ in range(5):  # the store is rewritten whole on every change: a read can meet a half-written file
            try:
                users = json.loads(self.users_file.read_text(encoding="utf-8")).get("Users", {})
                break
            except ValueError:
                time.sleep(0.05)
        else:
            return None
        wanted = username if self.case_sensitive else username.lower()
        for record in users.values():
            attributes = {a["Name"]: a.get("Value", "") for a in record.get("Attributes", [])}
            keys = (record.get("Username", ""), attributes.get("sub", ""), attributes.get("email", ""))
            if wanted in (key if self.case_sensitive else key.lower() for key in keys):
                return dict(record)
        return None

    # --- tokens -------------------------------------------------------------------------------------------------

    def issue(
        self, tokens: Mapping[str, Any], client: Client, *, source: str, scopes: list[str], nonce: str | None = None
    ) -> Issued:
        """Our tokens for the user cognito-local just authenticated (its access token names user and groups)."""
        upstream = decode_unverified(str(tokens["AccessToken"]))
        record = self.stored_user(str(upstream["username"])) or {}
        attributes = {a["Name"]: str(a.get("Value", "")) for a in record.get("Attributes", [])}
        attributes.setdefault("sub", str(upstream["sub"]))
        user = User(str(upstream["username"]), attributes, tuple(upstream.get("cognito:groups") or ()))
        refresh = tokens.get("RefreshToken")
        # auth_time is the original sign-in's, also after a refresh (cognito-local's refresh token carries it as iat).
        auth_time = int(decode_unverified(str(refresh))["iat"]) if refresh else int(upstream["auth_time"])
        return self.issuer.issue(user, client, source=source, scopes=scopes, auth_time=auth_time, nonce=nonce)

    def remember_refresh(self, refresh_token: str, client: Client, sub: str, scopes: list[str]) -> None:
        with self.grants.lock:
            self.grants.by_refresh_token[refresh_token] = scopes
            self.grants.refresh_tokens_of.setdefault(sub, []).append((client.client_id, refresh_token))

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """The claims of one of our access tokens; NotAuthorizedException otherwise (as Cognito's user APIs)."""
        try:
            claims = self.access_verifier.verify(token)
        except JwtInvalidError as error:
            raise CognitoError("NotAuthorizedException", f"Invalid Access Token: {error}") from None
        if claims["iat"] < self.grants.signed_out_at.get(str(claims["sub"]), 0):
            raise CognitoError("NotAuthorizedException", "Access Token has been revoked")
        return claims


class _Handler(BaseHTTPRequestHandler):
    server: LoginServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: query strings carry codes and tokens."""

    # --- routing ------------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        pool = self.server.issuer.user_pool_id
        routes = {
            "/.well-known/openid-configuration": self._discovery,
            f"/{pool}/.well-known/openid-configuration": self._discovery,
            "/.well-known/jwks.json": self._jwks,
            self.server.jwks_path: self._jwks,
            "/oauth2/authorize": self._authorize_form,
            "/login": self._authorize_form,
            "/oauth2/userInfo": self._user_info,
            "/logout": self._logout,
            "/_local/mailbox": self._mailbox,
        }
        route = routes.get(url.path)
        if route is None:
            self._json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
            return
        route(parse_qs(url.query, keep_blank_values=True))

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/" and self.headers.get("X-Amz-Target", "").startswith(_TARGET_PREFIX):
            self._api(self.headers["X-Amz-Target"].removeprefix(_TARGET_PREFIX), body)
        elif path in ("/oauth2/authorize", "/login"):
            self._authorize_submit(body)
        elif path == "/oauth2/token":
            self._token(parse_qs(body.decode(), keep_blank_values=True))
        elif path == "/oauth2/revoke":
            self._revoke(parse_qs(body.decode(), keep_blank_values=True))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})

    def do_OPTIONS(self) -> None:
        """CORS preflight: the browser SDKs and OIDC libraries call these endpoints from the app's origin."""
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header(
            "Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers") or "content-type"
        )
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- OIDC endpoints -----------------------------------------------------------------------------------------

    def _discovery(self, _: Mapping[str, list[str]]) -> None:
        base = self.server.url
        self._json(
            HTTPStatus.OK,
            {
                "issuer": self.server.issuer.issuer,
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "end_session_endpoint": f"{base}/logout",
                "jwks_uri": base + self.server.jwks_path,
                "response_types_supported": ["code"],
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def _jwks(self, _: Mapping[str, list[str]]) -> None:
        self._json(HTTPStatus.OK, self.server.issuer.key.jwks())

    def _authorize_form(self, query: Mapping[str, list[str]]) -> None:
        client = self.server.clients.get(_one(query, "client_id"))
        redirect_uri = _one(query, "redirect_uri")
        if client is None or redirect_uri not in client.callback_urls:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "redirect_mismatch"})  # never redirect to an unknown URL
            return
        requested = _one(query, "scope").split()
        scopes = requested or list(client.oauth_scopes)
        if not set(scopes) <= set(client.oauth_scopes):
            self._redirect(_with_query(redirect_uri, error="invalid_scope", state=_one(query, "state") or None))
            return
        # The login form posts code_challenge back: it keys what the code will grant.
        with self.server.grants.lock:
            self.server.grants.by_challenge[_one(query, "code_challenge")] = (scopes, _one(query, "nonce") or None)
        forwarded = {name: values[0] for name, values in query.items() if name != "nonce"}
        forwarded["scope"] = " ".join(scopes)
        self._forward("GET", "/oauth2/authorize?" + urlencode(forwarded), None)

    def _authorize_submit(self, body: bytes) -> None:
        form = parse_qs(body.decode(), keep_blank_values=True)
        status, headers, answer = self.server.forward(
            "POST", "/oauth2/authorize", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        location = next((value for name, value in headers if name.lower() == "location"), None)
        if status in (HTTPStatus.FOUND, HTTPStatus.SEE_OTHER) and location:
            code = _one(parse_qs(urlsplit(location).query), "code")
            with self.server.grants.lock:
                grant = self.server.grants.by_challenge.pop(_one(form, "code_challenge"), None)
                if code and grant:
                    self.server.grants.by_code[code] = grant
        self._send(status, headers, answer)

    def _token(self, form: Mapping[str, list[str]]) -> None:
        client = self.server.clients.get(_one(form, "client_id"))
        grant_type = _one(form, "grant_type")
        if client is None:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "invalid_client"})
            return
        if grant_type == "authorization_code":
            with self.server.grants.lock:
                scopes, nonce = self.server.grants.by_code.pop(_one(form, "code"), (list(client.oauth_scopes), None))
            source = "HostedAuth"
        elif grant_type == "refresh_token":
            scopes = self.server.grants.by_refresh_token.get(_one(form, "refresh_token"), [ADMIN_API_SCOPE])
            nonce, source = None, "RefreshTokens"
        else:  # client_credentials: cognito-local has no machine clients (docs/local.md)
            self._json(HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"})
            return
        status, _, body = self.server.forward(
            "POST",
            "/oauth2/token",
            urlencode({name: values[0] for name, values in form.items()}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = json.loads(body or b"{}")
        if status != HTTPStatus.OK:
            self._json(status, answer)
            return
        refresh = answer.get("refresh_token") or _one(form, "refresh_token")
        tokens = {"AccessToken": answer["access_token"], "RefreshToken": refresh}
        issued = self.server.issue(tokens, client, source=source, scopes=scopes, nonce=nonce)
        if grant_type == "authorization_code":
            self.server.remember_refresh(refresh, client, str(decode_unverified(issued.id_token)["sub"]), scopes)
        tokens = {"id_token": issued.id_token, "access_token": issued.access_token, "token_type": "Bearer",
                  "expires_in": issued.expires_in}  # fmt: skip
        if grant_type == "authorization_code":
            tokens["refresh_token"] = refresh
        self._json(HTTPStatus.OK, tokens)

    def _revoke(self, form: Mapping[str, list[str]]) -> None:
        with contextlib.suppress(CognitoError):  # RFC 7009: an invalid or revoked token is not an error
            self.server.call("RevokeToken", {"Token": _one(form, "token"), "ClientId": _one(form, "client_id")})
        self._json(HTTPStatus.OK, {})

    def _user_info(self, _: Mapping[str, list[str]]) -> None:
        scheme, _space, token = (self.headers.get("Authorization") or "").partition(" ")
        try:
            claims = self.server.verify_access_token(token if scheme.lower() == "bearer" else "")
        except CognitoError:
            self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_token"})
            return
        if "openid" not in str(claims.get("scope", "")).split():
            self._json(HTTPStatus.FORBIDDEN, {"error": "insufficient_scope"})
            return
        record = self.server.stored_user(str(claims["username"])) or {}
        info = {a["Name"]: a.get("Value") for a in record.get("Attributes", [])}
        self._json(HTTPStatus.OK, {**info, "username": claims["username"]})

    def _logout(self, query: Mapping[str, list[str]]) -> None:
        client = self.server.clients.get(_one(query, "client_id"))
        logout_uri = _one(query, "logout_uri")
        redirect_uri = _one(query, "redirect_uri")
        if client is not None and logout_uri and logout_uri in client.logout_urls:
            self._redirect(logout_uri)
        elif client is not None and redirect_uri and redirect_uri in client.callback_urls:
            # Sign out, then back to the sign-in page with the same request (the second form of the endpoint).
            self._redirect("/oauth2/authorize?" + urlencode({k: v[0] for k, v in query.items() if k != "logout_uri"}))
        else:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the logout_uri is not registered for this client"})

    def _mailbox(self, query: Mapping[str, list[str]]) -> None:
        address = _one(query, "address").lower()
        messages = []
        if self.server.mailbox.is_file():
            for line in self.server.mailbox.read_text(encoding="utf-8").splitlines():
                message = json.loads(line)
                if str(message.get("destination", "")).lower() == address:
                    messages.append(message)
        self._json(HTTPStatus.OK, {"address": address, "messages": messages})

    # --- the Cognito API ----------------------------------------------------------------------------------------

    def _api(self, target: str, body: bytes) -> None:
        request = json.loads(body or b"{}")
        try:
            handler = _API_OVERRIDES.get(target)
            if handler is not None:
                answer = handler(self.server, request)
            else:
                if "AccessToken" in request:
                    self.server.verify_access_token(str(request["AccessToken"]))
                answer = self.server.call(target, request)
        except CognitoError as error:
            payload = json.dumps({"__type": error.code, "message": error.message}).encode()
            self._send(HTTPStatus.BAD_REQUEST, [("Content-Type", "application/x-amz-json-1.1"),
                                                ("x-amzn-ErrorType", error.code)], payload)  # fmt: skip
            return
        payload = json.dumps(answer).encode()
        self._send(HTTPStatus.OK, [("Content-Type", "application/x-amz-json-1.1")], payload)

    # --- plumbing -----------------------------------------------------------------------------------------------

    def _forward(self, method: str, path: str, body: bytes | None) -> None:
        headers = {name: value for name, value in self.headers.items() if name.lower() in ("content-type", "cookie")}
        self._send(*self.server.forward(method, path, body, headers))

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.FOUND, [("Location", location)], b"")

    def _json(self, status: int, body: Any) -> None:
        """A JSON answer that browser apps may read from any origin, as Cognito's endpoints allow."""
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                   ("Access-Control-Allow-Origin", "*")]  # fmt: skip
        self._send(status, headers, json.dumps(body).encode())

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        skip = {"content-length", "connection", "transfer-encoding", "keep-alive", "date", "x-powered-by"}
        for name, value in headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _one(values: Mapping[str, list[str]], name: str) -> str:
    found = values.get(name) or [""]
    return found[0]


def _with_query(url: str, **parameters: str | None) -> str:
    query = urlencode({name: value for name, value in parameters.items() if value is not None})
    return f"{url}{'&' if '?' in url else '?'}{query}"


# --- API calls this server answers itself ---------------------------------------------------------------------


def _client_for(server: LoginServer, request: Mapping[str, Any], flow: str) -> Client:
    client = server.clients.get(str(request.get("ClientId", "")))
    if client is None:
        raise CognitoError("ResourceNotFoundException", "User pool client does not exist.")
    if _FLOW_SETTINGS.get(flow) not in client.explicit_auth_flows:
        raise CognitoError("InvalidParameterException", f"{flow} flow not enabled for this client")
    return client


def _authentication_result(issued: Issued, refresh_token: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {"AccessToken": issued.access_token, "ExpiresIn": issued.expires_in,
                              "TokenType": "Bearer", "IdToken": issued.id_token}  # fmt: skip
    if refresh_token:
        result["RefreshToken"] = refresh_token
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


def _initiate_auth(server: LoginServer, request: Mapping[str, Any]) -> dict[str, Any]:
    flow = str(request.get("AuthFlow", ""))
    client = _client_for(server, request, flow)
    parameters = request.get("AuthParameters") or {}
    if flow == "USER_SRP_AUTH":
        record = server.stored_user(str(parameters.get("USERNAME", "")))
        # Unknown users get a challenge for a password no one knows: the proof then fails like a wrong password
        # (prevent user existence errors, which every client of this app enables).
        user_id = str(record["Username"]) if record else str(parameters.get("USERNAME", ""))
        password = str(record["Password"]) if record else secrets.token_urlsafe(32)
        try:
            challenge = srp.start(server.pool_name, user_id, password, str(parameters.get("SRP_A", "0")))
        except ValueError as error:
            raise CognitoError("InvalidParameterException", str(error)) from None
        with server.grants.lock:
            server.grants.srp[challenge.secret_block] = (challenge, client.client_id)
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": challenge.parameters}
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        refresh = str(parameters.get("REFRESH_TOKEN", ""))
        answer = server.call("InitiateAuth", request)
        scopes = server.grants.by_refresh_token.get(refresh, [ADMIN_API_SCOPE])
        tokens = {**answer["AuthenticationResult"], "RefreshToken": refresh}
        issued = server.issue(tokens, client, source="RefreshTokens", scopes=scopes)
        return _authentication_result(issued, None)
    answer = server.call("InitiateAuth", request)  # a flow the client allows that cognito-local runs itself
    if "AuthenticationResult" not in answer:
        return answer
    return _signed_in(server, client, answer["AuthenticationResult"])


def _signed_in(server: LoginServer, client: Client, result: Mapping[str, Any]) -> dict[str, Any]:
    issued = server.issue(result, client, source="Authentication", scopes=[ADMIN_API_SCOPE])
    refresh = str(result["RefreshToken"])
    server.remember_refresh(refresh, client, str(decode_unverified(issued.id_token)["sub"]), [ADMIN_API_SCOPE])
    return _authentication_result(issued, refresh)


def _respond_to_auth_challenge(server: LoginServer, request: Mapping[str, Any]) -> dict[str, Any]:
    if request.get("ChallengeName") != "PASSWORD_VERIFIER":
        return server.call("RespondToAuthChallenge", request)
    responses = request.get("ChallengeResponses") or {}
    secret_block = str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""))
    with server.grants.lock:
        found = server.grants.srp.pop(secret_block, None)
    if found is None or found[1] != request.get("ClientId"):
        raise CognitoError("NotAuthorizedException", _WRONG_PASSWORD)
    challenge, client_id = found
    if not srp.verify(
        challenge,
        server.pool_name,
        secret_block=secret_block,
        timestamp=str(responses.get("TIMESTAMP", "")),
        signature=str(responses.get("PASSWORD_CLAIM_SIGNATURE", "")),
    ):
        raise CognitoError("NotAuthorizedException", _WRONG_PASSWORD)
    record = server.stored_user(challenge.user_id)
    if record is None:
        raise CognitoError("NotAuthorizedException", _WRONG_PASSWORD)
    # The proof holds: cognito-local runs the rest of the sign-in (status checks, MFA) on its one password flow,
    # an internal call on 127.0.0.1 that no client can make (ExplicitAuthFlows above).
    answer = server.call(
        "InitiateAuth",
        {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
         "AuthParameters": {"USERNAME": challenge.user_id, "PASSWORD": record["Password"]}},
    )  # fmt: skip
    if "AuthenticationResult" not in answer:
        return answer
    return _signed_in(server, server.clients[client_id], answer["AuthenticationResult"])


def _global_sign_out(server: LoginServer, request: Mapping[str, Any]) -> dict[str, Any]:
    claims = server.verify_access_token(str(request.get("AccessToken", "")))
    sub = str(claims["sub"])
    with server.grants.lock:
        issued = server.grants.refresh_tokens_of.pop(sub, [])
        server.grants.signed_out_at[sub] = int(time.time()) + 1
    for client_id, token in issued:
        with contextlib.suppress(CognitoError):  # already revoked
            server.call("RevokeToken", {"Token": token, "ClientId": client_id})
    return {}


def _password_problems(policy: Mapping[str, Any], password: str) -> list[str]:
    """What a password lacks under the pool's PasswordPolicy, in Cognito's words."""
    rules = (
        ("RequireLowercase", any(c.islower() for c in password), "Password must have lowercase characters"),
        ("RequireUppercase", any(c.isupper() for c in password), "Password must have uppercase characters"),
        ("RequireNumbers", any(c.isdigit() for c in password), "Password must have numeric characters"),
        ("RequireSymbols", any(not c.isalnum() for c in password), "Password must have symbol characters"),
    )
    problems = [message for key, met, message in rules if policy.get(key) and not met]
    if len(password) < int(policy.get("MinimumLength", 8)):
        problems.insert(0, "Password not long enough")
    return problems


def _sign_up(server: LoginServer, request: Mapping[str, Any]) -> dict[str, Any]:
    problems = _password_problems(server.password_policy, str(request.get("Password", "")))
    if problems:
        raise CognitoError("InvalidPasswordException", f"Password did not conform with policy: {problems[0]}")
    return server.call("SignUp", request)


def _confirm_sign_up(server: LoginServer, request: Mapping[str, Any]) -> dict[str, Any]:
    answer = server.call("ConfirmSignUp", request)
    record = server.stored_user(str(request.get("Username", "")))
    email = next((a.get("Value") for a in (record or {}).get("Attributes", []) if a["Name"] == "email"), None)
    if record is not None and email:
        # cognito-local sets email_verified only together with the email itself.
        verified = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        pool_id, username = server.issuer.user_pool_id, record["Username"]
        server.call(
            "AdminUpdateUserAttributes", {"UserPoolId": pool_id, "Username": username, "UserAttributes": verified}
        )
    return answer


_API_OVERRIDES = {
    "SignUp": _sign_up,
    "ConfirmSignUp": _confirm_sign_up,
    "InitiateAuth": _initiate_auth,
    "RespondToAuthChallenge": _respond_to_auth_challenge,
    "GlobalSignOut": _global_sign_out,
}
