"""Account deletion from the API: `DELETE /me` for the caller, `DELETE /admin/users/{sub}` for an admin.

The erasure itself (order, idempotency, resumption) is shared.erasure; here: whose account, which identity-pool
identity, how much to do inline, the audit line and the metrics.

The identity: DeleteIdentities needs the identity id, and Cognito Identity maps a user-pool user to one only
through a token: GetId with the user's ID token returns the identity of that login, creating it if there is none
(Amazon Cognito Identity API Reference, GetId). DescribeIdentity and ListIdentities list an identity's login
providers, never the user, so nothing else can find it. The caller sends the ID token in `X-Id-Token`; it must be
this user pool's ID token for the same `sub` as the access token, and GetId checks its signature, expiry and
client, and (ServerSideTokenCheck) that the user is still signed in. An admin has no such token: the admin route
erases everything else and reports that the identity could not be named (docs/decisions/0017).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from api.aws import aws_errors, cognito_client, dynamodb_client, identity_client, s3_client, sqs_client, to_api_error
from api.errors import ApiError, BadRequestError, UpstreamError
from api.observability import logger, metrics
from api.settings import Settings
from shared import erasure
from shared.claims import TokenClaims

MAX_ID_TOKEN_CHARS = 8192
# Stop starting erasure pages when less than this is left of the function's time: one page (a listing and a
# DeleteObjects of up to 1,000 versions, each call bounded by the client's 2 s connect and 5 s read timeouts) and
# the hand-off to the queue must still fit.
API_RESERVE_SECONDS = 6.0
# When the job queued at the start becomes visible to the worker: longer than the API function's timeout (10 s,
# stacks/constructs/http_api.py; tests/infra/test_erasure_queue.py compares them).
HAND_OFF_DELAY_SECONDS = 30
_PROVIDER = "cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def _unverified_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3 or len(token) > MAX_ID_TOKEN_CHARS:
        raise BadRequestError("x-id-token is not a JWT")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        raise BadRequestError("x-id-token is not a JWT") from None
    if not isinstance(payload, dict):
        raise BadRequestError("x-id-token is not a JWT")
    return payload


def identity_of(public_identity: Any, settings: Settings, claims: TokenClaims, id_token: str) -> str:
    """The caller's identity-pool identity id, from their ID token (see the module's docstring).

    The claims are read unverified only to refuse someone else's token before any call; GetId verifies the token.
    """
    payload = _unverified_claims(id_token)
    audience = payload.get("aud")
    if (
        payload.get("token_use") != "id"
        or payload.get("sub") != claims.sub
        or payload.get("iss") != settings.issuer
        or audience not in settings.client_ids
    ):
        raise BadRequestError("x-id-token must be your own ID token from this user pool")
    provider = _PROVIDER.format(region=settings.region, user_pool_id=settings.user_pool_id)
    from botocore.exceptions import ClientError  # loaded with the client

    try:
        found = public_identity.get_id(IdentityPoolId=settings.identity_pool_id, Logins={provider: id_token})
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NotAuthorizedException":
            raise BadRequestError("x-id-token is not valid (expired?): refresh your session and try again") from None
        raise to_api_error(error, what="identity") from error
    return str(found["IdentityId"])


def username_of(cognito: Any, user_pool_id: str, sub: str) -> str | None:
    """The user-pool username of `sub` (federated users' usernames are not their sub), or None if there is none."""
    with aws_errors("user"):
        page = cognito.list_users(UserPoolId=user_pool_id, Filter=f'sub = "{sub}"', Limit=1, AttributesToGet=[])
    users = page.get("Users", [])
    return str(users[0]["Username"]) if users else None


def erase_account(job: erasure.Job, settings: Settings, remaining_ms: Any) -> erasure.Outcome:
    """Queue the job for the worker, then erase inline as far as the function's time allows (erasure.start).

    The queued job becomes visible once this invocation is surely over (HAND_OFF_DELAY_SECONDS exceeds the
    function's timeout). A step that fails inline does not fail the request: the worker goes on with it.
    """
    metrics.add_metric(name="AccountErasureRequested", unit=MetricUnit.Count, value=1)
    started = time.monotonic()
    clients = erasure.Clients(s3=s3_client(), dynamodb=dynamodb_client(), identity=identity_client(),
                              cognito=cognito_client())  # fmt: skip
    target = erasure.Target(bucket=settings.data_bucket, table=settings.records_table,
                            user_pool_id=settings.user_pool_id)  # fmt: skip
    try:
        outcome = erasure.start(
            job,
            clients=clients,
            target=target,
            deadline=erasure.Deadline(remaining_ms, API_RESERVE_SECONDS),
            sqs=sqs_client(),
            queue_url=settings.erasure_queue_url,
            hand_off_delay_seconds=HAND_OFF_DELAY_SECONDS,
        )
    except erasure.ErasureError as error:  # the queued job goes on from here
        logger.warning("Account erasure", extra=erasure.audit(job, None, seconds=time.monotonic() - started,
                                                              error=str(error)))  # fmt: skip
        outcome = erasure.Outcome("continuing", erasure.Progress())
    except erasure.aws_error_types() as error:  # the job could not be queued, nothing is erased: the caller retries
        raise _queue_error(error) from error
    else:
        logger.info("Account erasure", extra=erasure.audit(job, outcome, seconds=time.monotonic() - started))
    progress = outcome.progress
    metrics.add_metric(name="ErasedObjectVersions", unit=MetricUnit.Count, value=progress.object_versions)
    metrics.add_metric(name="ErasedRecords", unit=MetricUnit.Count, value=progress.records)
    name = "AccountErased" if outcome.state == "complete" else "AccountErasureHandedOff"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    return outcome


def _queue_error(error: Exception) -> ApiError:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return to_api_error(error, what="account erasure")
    logger.warning("AWS call failed", extra={"aws_error_code": type(error).__name__})
    return UpstreamError("upstream service error")
