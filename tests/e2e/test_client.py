"""The client's offline parts: error messages, the outputs file, the session cache, request encoding."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from client.api import ApiClient, multipart
from client.cache import Session, SessionCache, Tokens
from client.errors import CliError, describe
from client.outputs import StackOutputs, load_outputs
from stacks.names import Outputs

JWT = "eyJraWQiOiJrIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def _client_error(code: str, message: str, operation: str = "SignUp") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize(
    ("code", "message", "shown"),
    [
        (
            "UserLambdaValidationException",
            "PreSignUp failed with error Sign-up with this email domain is not allowed.",
            "Rejected by the user pool: Sign-up with this email domain is not allowed",
        ),
        ("NotAuthorizedException", "Incorrect username or password.", "Incorrect email or password."),
        ("UserNotFoundException", "User does not exist.", "Incorrect email or password."),
        (
            "InvalidPasswordException",
            "Password did not conform with policy: Password not long enough",
            "Password rejected: Password did not conform with policy: Password not long enough",
        ),
        ("ExpiredCodeException", "Invalid code provided", "The code has expired or was already used:"),
        ("LimitExceededException", "Attempt limit exceeded", "Too many attempts:"),
        ("PasswordResetRequiredException", "Password reset required", "A password reset is required:"),
        (
            "SomethingNewException",
            f"token {JWT} was\nbad",
            "SignUp failed: SomethingNewException: token <token> was bad",
        ),
    ],
)
def test_cognito_errors_read_as_one_line(code: str, message: str, shown: str) -> None:
    described = describe(_client_error(code, message))
    assert described.startswith(shown)
    assert "\n" not in described
    assert JWT not in described


def _outputs_document(**overrides: Any) -> dict[str, Any]:
    auth = {
        Outputs.REGION: "eu-west-1",
        Outputs.USER_POOL_ID: "eu-west-1_AbC123",
        Outputs.USER_POOL_ARN: "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123",
        Outputs.WEB_CLIENT_ID: "1example23456789",
        Outputs.ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
        Outputs.JWKS_URL: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json",
        Outputs.RESOURCE_SERVER_ID: "cognito-ref-api",
        Outputs.IDENTITY_POOL_ID: "eu-west-1:11111111-2222-3333-4444-555555555555",
        Outputs.DATA_BUCKET_NAME: "cognito-ref-dev-data",
        Outputs.RECORDS_TABLE_NAME: "cognito-ref-dev-auth-RecordsTable-1ABC",
        **overrides,
    }
    return {
        "cognito-ref-dev-auth": auth,
        "cognito-ref-dev-api": {Outputs.API_URL: "https://abc.execute-api.eu-west-1.amazonaws.com/"},
    }


def test_outputs_file_is_read_by_output_key(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(_outputs_document()))
    outputs = load_outputs(path)
    assert outputs.api_url == "https://abc.execute-api.eu-west-1.amazonaws.com"
    assert outputs.provider_name == "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    assert outputs.account == "123456789012"
    assert outputs.scope("files.read") == "cognito-ref-api/files.read"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, r"dev\.json not found: deploy first"),
        ("{not json", r"not a readable JSON outputs file"),
        (json.dumps({"other-stack": {}}), r"no stack with the output UserPoolId"),
        (json.dumps(_outputs_document(IdentityPoolId="")), r"output IdentityPoolId is missing or empty"),
    ],
)
def test_outputs_file_problems_are_one_line(tmp_path: Path, content: str | None, error: str) -> None:
    path = tmp_path / "dev.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CliError, match=error):
        load_outputs(path)


@pytest.fixture
def outputs(tmp_path: Path) -> StackOutputs:
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(_outputs_document()))
    return load_outputs(path)


def test_session_cache_is_private_and_bound_to_its_deployment(tmp_path: Path, outputs: StackOutputs) -> None:
    cache = SessionCache(tmp_path / "cache" / "dev.json")
    with pytest.raises(CliError, match=r"^Not signed in"):
        cache.load(outputs)
    session = Session(outputs.user_pool_id, outputs.web_client_id, "a@example.com", Tokens(JWT, JWT, "refresh", 1.0))
    cache.save(session)
    cache.save(session)  # overwriting keeps the mode
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert cache.load(outputs) == session
    assert JWT not in repr(session)

    other = SessionCache(tmp_path / "cache" / "other.json")
    other.save(Session("eu-west-1_Other", outputs.web_client_id, "a@example.com", session.tokens))
    with pytest.raises(CliError, match=r"another deployment"):
        other.load(outputs)
    cache.clear()
    assert not cache.path.exists()


def test_keys_travel_form_encoded_in_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, str]] = []

    def send(request: Any) -> tuple[int, bytes]:
        sent.append((request.get_method(), request.full_url))
        return (204, b"") if request.get_method() == "DELETE" else (200, b'{"url": "https://s3/x"}')

    monkeypatch.setattr("client.api._send", send)
    api = ApiClient("https://api.example", "token")
    api.download_url("photos/cat 1+€?#%2F.png")
    api.delete_file("a&b=c")

    assert sent == [
        ("GET", "https://api.example/files/download-url?key=photos%2Fcat+1%2B%E2%82%AC%3F%23%252F.png"),
        ("DELETE", "https://api.example/files?key=a%26b%3Dc"),
    ]


def test_multipart_body_puts_the_file_last() -> None:
    body, content_type = multipart({"key": "private/x/a.txt", "policy": "p"}, 'a"b.txt', b"data", "text/plain")
    boundary = content_type.removeprefix("multipart/form-data; boundary=")
    parts = body.split(f"--{boundary}".encode())
    assert [part.split(b"\r\n")[1] for part in parts[1:-1]] == [
        b'Content-Disposition: form-data; name="key"',
        b'Content-Disposition: form-data; name="policy"',
        b'Content-Disposition: form-data; name="file"; filename="a_b.txt"',
    ]
    assert parts[-1] == b"--\r\n"
