"""Lambda entry point: pre sign-up (PreSignUp_SignUp, PreSignUp_AdminCreateUser, PreSignUp_ExternalProvider).

The event is read as a plain dict, so that every shape Cognito documents (a null request, no
userAttributes, a null or missing response) gets a defined answer instead of an exception.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from pre_sign_up import aws
from pre_sign_up.config import load_policy
from pre_sign_up.logic import (
    EXTERNAL_PROVIDER,
    SIGN_UP,
    SOCIAL_PROVIDERS,
    TRY_AGAIN,
    AccountLinkedError,
    SignUpRejectedError,
    canonical_provider_name,
    check_email,
    is_linked,
    is_verified,
    link_destination,
    parse_federated_username,
    require_exact_subject,
)
from shared.snapstart import register_hooks

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
POLICY = load_policy(os.environ)
register_hooks("boto3")
# Native sign-ups always confirm their email with a code: never auto-confirm or auto-verify anything.
NATIVE_SIGN_UP_RESPONSE = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger_source = str(event.get("triggerSource"))
    # No correlation id: the user has no `sub` yet, and userName may be an email or an IdP subject.
    logger.append_keys(trigger_source=trigger_source)
    request = event.get("request")
    attributes = request.get("userAttributes") if isinstance(request, dict) else None
    attributes = attributes if isinstance(attributes, dict) else {}
    try:
        email = check_email(attributes.get("email"), POLICY)
        if trigger_source == EXTERNAL_PROVIDER:
            link_to_native_account(
                event.get("userPoolId"),
                event.get("userName"),
                email,
                provider_email_verified=is_verified(attributes.get("email_verified")),
            )
    except SignUpRejectedError as rejection:
        metrics.add_metric(name="SignUpRejected", unit=MetricUnit.Count, value=1)
        logger.info("sign-up rejected", extra={"reason": rejection.reason})
        raise
    except AccountLinkedError as linked:
        metrics.add_metric(name="AccountLinked", unit=MetricUnit.Count, value=1)
        logger.info("federated identity linked to the existing native user", extra={"provider": linked.provider})
        raise
    if trigger_source == SIGN_UP:
        response = event.get("response")
        if not isinstance(response, dict):
            response = event["response"] = {}
        response.update(NATIVE_SIGN_UP_RESPONSE)
    metrics.add_metric(name="SignUpAccepted", unit=MetricUnit.Count, value=1)
    logger.info("sign-up accepted")
    return event


def link_to_native_account(pool_id: object, user_name: object, email: str, *, provider_email_verified: bool) -> None:
    """Link the federated identity to a native user with the same verified email, if there is one.

    Returns when there is no such user (Cognito then creates the federated user); raises AccountLinkedError
    after linking, or SignUpRejectedError when linking is not safe or the IdP's exact subject is unknown.
    """
    identity = parse_federated_username(user_name)
    if not isinstance(pool_id, str) or not pool_id:
        raise SignUpRejectedError(TRY_AGAIN, "user_pool_id_missing")
    client = aws.cognito_client()
    try:
        users = aws.users_with_email(client, pool_id, email)
        destination = link_destination(email, provider_email_verified, users)
        if destination is None:
            return
        require_exact_subject(identity)
        provider = canonical_provider_name(identity.provider, ())
        if provider not in SOCIAL_PROVIDERS:
            provider = canonical_provider_name(identity.provider, aws.provider_names(client, pool_id))
        identity = identity._replace(provider=provider)
        if not is_linked(destination, identity):  # a retried invocation may find the link already made
            aws.link(client, pool_id, destination.username, identity)
    except aws.aws_errors() as error:
        logger.error("cognito call failed", extra={"error_code": aws.error_code(error)})
        raise SignUpRejectedError(TRY_AGAIN, "cognito_error") from None
    raise AccountLinkedError(identity.provider)
