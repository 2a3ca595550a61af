"""One-line messages for the errors people actually hit, and the exception the CLI prints.

Cognito's own messages are mostly safe to show, but some (and moto's) echo the request, which may hold a
token: every message passes through `redact` before it is shown.
"""

from __future__ import annotations

import re

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

# JWTs (3 segments) and Cognito refresh tokens (JWE, 5 segments) both start with a base64url '{"'.
_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}")
# Cognito wraps a trigger's exception message: "PreSignUp failed with error <message>."
_TRIGGER_MESSAGE = re.compile(r"^\w+ failed with error (?P<message>.*?)\.?$", re.DOTALL)

SIGNED_OUT = "You are signed out (or the session expired or was revoked): run `signin EMAIL` again."
WRONG_CREDENTIALS = "Incorrect email or password."

# Code -> message. NotAuthorized and UserNotFound say the same: the app clients enable
# PreventUserExistenceErrors, so nobody can tell from the CLI whether an email has an account.
_MESSAGES = {
    "NotAuthorizedException": WRONG_CREDENTIALS,
    "UserNotFoundException": WRONG_CREDENTIALS,
    "UsernameExistsException": "An account with this email already exists: `signin EMAIL`, or `confirm EMAIL CODE`.",
    "UserNotConfirmedException": "Not confirmed yet: run `confirm EMAIL CODE` (or `resend-code EMAIL`).",
    "CodeMismatchException": "Wrong confirmation code: use the code from the latest email.",
    "ExpiredCodeException": "The code has expired or was already used: get a new one with `resend-code EMAIL`.",
    "PasswordResetRequiredException": "A password reset is required: use 'Forgot password' on the managed login page.",
    "LimitExceededException": "Too many attempts: wait a few minutes, then try again.",
    "TooManyRequestsException": "Too many requests: wait a moment, then try again.",
    "TooManyFailedAttemptsException": "Too many failed attempts: wait a few minutes, then try again.",
    "CodeDeliveryFailureException": "Cognito could not send the email: check the address (and the pool's email setup).",
    "ResourceNotFoundException": "The user pool, client or identity pool does not exist: is the outputs file current?",
    "AccessDenied": "Access denied: your credentials only reach private/<your sub>/ in the data bucket.",
    "NoSuchKey": "No such object.",
}
# Cognito's message explains what was wrong with the input: show it.
_WITH_DETAIL = {
    "InvalidPasswordException": "Password rejected",
    "InvalidParameterException": "Invalid request",
    "InvalidIdentityPoolConfigurationException": "Identity pool misconfigured",
}


class CliError(Exception):
    """An error to show the user as one line (no traceback); the CLI exits with status 1."""


def redact(text: str, limit: int = 300) -> str:
    """One line, tokens masked, at most `limit` characters (an error page must not flood the terminal)."""
    line = " ".join(_TOKEN.sub("<token>", text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def trigger_message(error: ClientError) -> str:
    """The message a Lambda trigger raised (e.g. the pre-sign-up email-domain check), without Cognito's wrapper."""
    message = str(error.response.get("Error", {}).get("Message", ""))
    match = _TRIGGER_MESSAGE.match(message)
    return redact(match.group("message") if match else message)


def describe(error: Exception) -> str:
    """One line saying what went wrong and, where there is one, what to do."""
    if isinstance(error, ClientError):
        code = error_code(error)
        message = redact(str(error.response.get("Error", {}).get("Message", "")))
        if code == "UserLambdaValidationException":
            return f"Rejected by the user pool: {trigger_message(error)}"
        if code in _WITH_DETAIL:
            return f"{_WITH_DETAIL[code]}: {message}"
        return _MESSAGES.get(code) or f"{error.operation_name} failed: {code or 'error'}: {message}"
    if isinstance(error, NoCredentialsError):
        return "No AWS credentials found (set AWS_PROFILE, or run `aws sso login`)."
    if isinstance(error, EndpointConnectionError):
        return f"Cannot reach {error.kwargs.get('endpoint_url', 'the AWS endpoint')}: check the network and region."
    if isinstance(error, BotoCoreError):
        return f"AWS SDK error: {redact(str(error))}"
    return redact(str(error)) or type(error).__name__


def cli_error(error: Exception) -> CliError:
    return CliError(describe(error))
