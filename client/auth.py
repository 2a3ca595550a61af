"""Sign-up, confirmation, SRP sign-in, refresh and sign-out against the web app client.

Every call here is one of Cognito's public user APIs: they are sent unsigned, so the CLI needs no AWS
credentials, and never picks up (or sends) the caller's own. The password never leaves this process:
SRP sends a proof of it (pycognito's AWSSRP does the maths).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from pycognito.aws_srp import AWSSRP  # type: ignore[import-untyped]
from pycognito.exceptions import ForceChangePasswordException, MFAChallengeException  # type: ignore[import-untyped]

from client.cache import Session, Tokens
from client.errors import SIGNED_OUT, CliError, cli_error, error_code
from client.outputs import StackOutputs
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, TokenUse
from stacks.names import LocalOutputs

# Cognito's self-service API scope, which GlobalSignOut requires of the access token.
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"
# Refresh this long before expiry, so a token does not expire between the check and the request.
REFRESH_MARGIN_S = 60.0


class SessionEndedError(CliError):
    """The refresh token was rejected: expired, revoked, or the user signed out everywhere."""


def cognito_client(outputs: StackOutputs) -> Any:
    """An unsigned cognito-idp client: the local stack's endpoint from its outputs file, else AWS's (or
    AWS_ENDPOINT_URL(_COGNITO_IDENTITY_PROVIDER), which points it at an emulator)."""
    config = Config(signature_version=UNSIGNED, retries={"mode": "standard", "max_attempts": 4})
    return boto3.client(
        "cognito-idp",
        region_name=outputs.region,
        config=config,
        endpoint_url=outputs.endpoint(LocalOutputs.COGNITO_IDP),
    )


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, NOT verified: for display and for the caller's own `sub` only."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as error:
        raise CliError("A cached token is malformed: run `signin EMAIL` again.") from error
    if not isinstance(claims, dict):
        raise CliError("A cached token is malformed: run `signin EMAIL` again.")
    return claims


def _tokens(result: dict[str, Any], refresh_token: str) -> Tokens:
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=refresh_token,
        expires_at=time.time() + float(result["ExpiresIn"]),
    )


def sign_up(idp: Any, outputs: StackOutputs, email: str, password: str) -> bool:
    """Create the account; True if it is already confirmed (a pre-sign-up trigger may auto-confirm)."""
    try:
        response = idp.sign_up(
            ClientId=outputs.web_client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None
    return bool(response.get("UserConfirmed"))


def confirm_sign_up(idp: Any, outputs: StackOutputs, email: str, code: str) -> None:
    try:
        idp.confirm_sign_up(ClientId=outputs.web_client_id, Username=email, ConfirmationCode=code)
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None


def resend_code(idp: Any, outputs: StackOutputs, email: str) -> None:
    try:
        idp.resend_confirmation_code(ClientId=outputs.web_client_id, Username=email)
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None


def sign_in(idp: Any, outputs: StackOutputs, email: str, password: str) -> Session:
    """USER_SRP_AUTH: InitiateAuth, then the PASSWORD_VERIFIER challenge answered with the SRP proof."""
    srp = AWSSRP(
        username=email, password=password, pool_id=outputs.user_pool_id, client_id=outputs.web_client_id, client=idp
    )
    try:
        response = srp.authenticate_user()
    except ForceChangePasswordException:
        raise CliError(
            "This account still has a temporary password: set a new one on the managed login page."
        ) from None
    except MFAChallengeException:
        raise CliError(
            "This account uses MFA, which the CLI does not support: sign in on the managed login page."
        ) from None
    except NotImplementedError:  # a challenge other than PASSWORD_VERIFIER (e.g. a custom auth flow)
        raise CliError("Cognito asked for a sign-in challenge the CLI does not support.") from None
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None
    result = response.get("AuthenticationResult")
    if not result:
        raise CliError(
            f"Cognito asked for the {response.get('ChallengeName')} challenge, which the CLI does not support."
        )
    return Session(outputs.user_pool_id, outputs.web_client_id, email, _tokens(result, result["RefreshToken"]))


def refresh(idp: Any, session: Session) -> Session:
    """New ID and access tokens from the refresh token (REFRESH_TOKEN_AUTH)."""
    try:
        result = idp.initiate_auth(
            ClientId=session.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": session.tokens.refresh_token},
        )["AuthenticationResult"]
    except ClientError as error:
        if error_code(error) == "NotAuthorizedException":
            raise SessionEndedError(SIGNED_OUT) from None
        raise cli_error(error) from None
    except BotoCoreError as error:
        raise cli_error(error) from None
    # With refresh-token rotation Cognito returns a new refresh token; otherwise the old one stays valid.
    tokens = _tokens(result, result.get("RefreshToken") or session.tokens.refresh_token)
    return Session(session.user_pool_id, session.client_id, session.email, tokens)


def ensure_fresh(idp: Any, session: Session) -> Session:
    """The session, refreshed first if its tokens expire within REFRESH_MARGIN_S."""
    if session.tokens.expires_at - time.time() > REFRESH_MARGIN_S:
        return session
    return refresh(idp, session)


def revoke(idp: Any, session: Session) -> None:
    """Sign this session out: RevokeToken invalidates the refresh token and the tokens issued from it."""
    try:
        idp.revoke_token(Token=session.tokens.refresh_token, ClientId=session.client_id)
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None


def global_sign_out(idp: Any, session: Session) -> None:
    """Sign the user out of every device (GlobalSignOut): every refresh token of the user stops working.

    GlobalSignOut needs the aws.cognito.signin.user.admin scope in the access token, which the pre token
    generation trigger removes when `tokens.remove_admin_api_scope` is set.
    """
    try:
        idp.global_sign_out(AccessToken=session.tokens.access_token)
    except ClientError as error:
        if error_code(error) != "NotAuthorizedException":
            raise cli_error(error) from None
        if USER_ADMIN_SCOPE not in str(decode_claims(session.tokens.access_token).get("scope", "")).split():
            raise CliError(
                f"Global sign-out needs the {USER_ADMIN_SCOPE} scope, which this pool removes from access tokens: "
                "`signout` without --global revokes this session."
            ) from None
        raise SessionEndedError(SIGNED_OUT) from None
    except BotoCoreError as error:
        raise cli_error(error) from None


def verifiers(outputs: StackOutputs) -> tuple[CognitoJwtVerifier, CognitoJwtVerifier]:
    """(access, id) token verifiers for the web client, with the JWKS and issuer from the outputs."""

    def create(token_use: TokenUse) -> CognitoJwtVerifier:
        return CognitoJwtVerifier.create(
            outputs.user_pool_id,
            token_use=token_use,
            client_id=outputs.web_client_id,
            jwks_uri=outputs.jwks_url,
            issuer=outputs.issuer,
        )

    return create("access"), create("id")
