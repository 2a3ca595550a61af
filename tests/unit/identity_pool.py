"""Cognito Identity for the erasure tests: GetId and DeleteIdentities of one identity pool, as AWS documents them.

moto 5.2 has no DeleteIdentities or DescribeIdentity, and its GetId creates a new identity on every call, so the
tests use this stand-in (a botocore client's method names, arguments, answers and errors). Behaviours, from the
Amazon Cognito Identity API Reference:
- GetId returns the identity of the login in `Logins`, creating it when there is none; a token the identity pool
  does not accept (invalid, expired, or its user signed out or deleted with ServerSideTokenCheck) answers
  NotAuthorizedException; an unknown pool answers ResourceNotFoundException (GetId, CognitoIdentityProvider).
- DeleteIdentities deletes 1-60 identities and lists those it could not in UnprocessedIdentityIds
  (DeleteIdentities).
- DescribeIdentity of an identity that does not exist answers ResourceNotFoundException (DescribeIdentity).
What it cannot show: AWS's own token checks. Here a token is valid when the stand-in issued it and it was not
revoked (`revoke`), which is what a test needs to say "the user's token" and "a token that no longer works".
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError


def _error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} (stand-in)"}}, operation)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class IdentityPoolStandIn:
    def __init__(self, identity_pool_id: str, provider: str) -> None:
        self.identity_pool_id = identity_pool_id
        self.provider = provider
        self.region = identity_pool_id.split(":", 1)[0]
        self._tokens: dict[str, str] = {}  # token -> sub
        self.identities: dict[str, str] = {}  # sub -> identity id
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, str] = {}  # operation -> error code to answer once

    def id_token(self, sub: str, **claims: Any) -> str:
        """An ID token of `sub` that GetId accepts: the shape of a Cognito ID token, signed by nobody."""
        payload = {"sub": sub, "token_use": "id", **claims}
        token = f"{_b64({'alg': 'RS256', 'kid': 'stand-in'})}.{_b64(payload)}.{secrets.token_urlsafe(32)}"
        self._tokens[token] = sub
        return token

    def revoke(self, token: str) -> None:
        self._tokens.pop(token, None)

    def _maybe_fail(self, operation: str) -> None:
        self.calls[operation] += 1
        code = self.fail.pop(operation, None)
        if code:
            raise _error(code, operation)

    def get_id(self, *, IdentityPoolId: str, Logins: dict[str, str], **_: Any) -> dict[str, Any]:  # noqa: N803
        self._maybe_fail("GetId")
        if IdentityPoolId != self.identity_pool_id:
            raise _error("ResourceNotFoundException", "GetId")
        sub = self._tokens.get(Logins.get(self.provider, ""))
        if sub is None:
            raise _error("NotAuthorizedException", "GetId")
        identity_id = self.identities.setdefault(sub, f"{self.region}:{uuid.uuid4()}")
        return {"IdentityId": identity_id}

    def delete_identities(self, *, IdentityIdsToDelete: list[str]) -> dict[str, Any]:  # noqa: N803
        self._maybe_fail("DeleteIdentities")
        if not 1 <= len(IdentityIdsToDelete) <= 60:
            raise _error("InvalidParameterException", "DeleteIdentities")
        doomed = set(IdentityIdsToDelete)
        self.identities = {sub: identity for sub, identity in self.identities.items() if identity not in doomed}
        return {"UnprocessedIdentityIds": []}

    def describe_identity(self, *, IdentityId: str) -> dict[str, Any]:  # noqa: N803
        self._maybe_fail("DescribeIdentity")
        if IdentityId not in self.identities.values():
            raise _error("ResourceNotFoundException", "DescribeIdentity")
        return {"IdentityId": IdentityId, "Logins": [self.provider]}
