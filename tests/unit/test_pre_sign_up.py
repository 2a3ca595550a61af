"""Pre sign-up: email domain policy for every trigger source, and safe linking of federated identities."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from aws_events import cognito as ev
from pre_sign_up.config import ConfigError, DomainPolicy, load_policy
from pre_sign_up.logic import (
    CANNOT_LINK,
    DOMAIN_NOT_ALLOWED,
    INVALID_EMAIL,
    NATIVE_EMAIL_UNVERIFIED,
    PROVIDER_EMAIL_UNVERIFIED,
    TRY_AGAIN,
    ExistingUser,
    FederatedIdentity,
    SignUpRejectedError,
    canonical_provider_name,
    check_email,
    email_domain,
    existing_user,
    is_linked,
    is_verified,
    link_destination,
    list_users_filter,
    parse_federated_username,
    require_exact_subject,
)
from tests.unit.trigger_support import (
    FakeLambdaContext,
    assert_no_personal_data,
    aws_env,
    import_handler,
    metric_names,
    powertools_env,
)

EMAIL = ev.EMAIL
GOOGLE_SUBJECT = "110169484474386276334"


# --- Email domain policy (plain logic) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("jane@Example.COM", "example.com"),
        ("  jane@example.com  ", "example.com"),
        ("jane@example.com.", "example.com"),
        ("jane@Bücher.Example", "xn--bcher-kva.example"),
        ("jane@bücher\uff0eexample", "xn--bcher-kva.example"),  # fullwidth full stop
        ('"jane@home"@example.com', "example.com"),
    ],
)
def test_email_domain_is_lowercase_idna_ascii(email: str, domain: str) -> None:
    assert email_domain(email) == domain


@pytest.mark.parametrize(
    "email", [None, 42, "", "jane", "@example.com", "jane@", "jane@exa mple.com", "jane@-bad-.com", "a@" + "x" * 64]
)
def test_missing_or_odd_email_is_rejected_with_a_safe_message(email: object) -> None:
    with pytest.raises(SignUpRejectedError, match=INVALID_EMAIL):
        email_domain(email)


BLOCKING = DomainPolicy(blocked=("mailinator.com", "xn--bcher-kva.example"))
ALLOWING = DomainPolicy(allowed=("example.com", "corp.example"), blocked=("contractors.example.com",))


@pytest.mark.parametrize(
    ("policy", "email", "reason"),
    [
        (BLOCKING, "jane@example.com", None),
        (BLOCKING, "jane@Mailinator.com", "domain_blocked"),
        (BLOCKING, "jane@eu.mailinator.com", "domain_blocked"),  # subdomains of a listed domain match
        (BLOCKING, "jane@notmailinator.com", None),  # ...but not look-alike suffixes
        (BLOCKING, "jane@bücher.example", "domain_blocked"),  # IDN compared in IDNA-ASCII form
        (ALLOWING, "jane@example.com", None),
        (ALLOWING, "jane@eu.example.com", None),
        (ALLOWING, "jane@badexample.com", "domain_not_allowed"),
        (ALLOWING, "jane@contractors.example.com", "domain_blocked"),  # blocked wins over allowed
        (ALLOWING, "jane@x.contractors.example.com", "domain_blocked"),
        (ALLOWING, "jane@gmail.com", "domain_not_allowed"),
    ],
)
def test_domain_policy(policy: DomainPolicy, email: str, reason: str | None) -> None:
    if reason is None:
        assert check_email(email, policy) == email
        return
    with pytest.raises(SignUpRejectedError, match=DOMAIN_NOT_ALLOWED) as rejected:
        check_email(email, policy)
    assert rejected.value.reason == reason


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ALLOWED_EMAIL_DOMAINS", "example.com"),
        ("ALLOWED_EMAIL_DOMAINS", '{"example.com": true}'),
        ("ALLOWED_EMAIL_DOMAINS", '["Example.com"]'),
        ("BLOCKED_EMAIL_DOMAINS", '["*.mailinator.com"]'),
        ("BLOCKED_EMAIL_DOMAINS", '["@mailinator.com"]'),
        ("BLOCKED_EMAIL_DOMAINS", '["bücher.example"]'),
        ("BLOCKED_EMAIL_DOMAINS", "[42]"),
    ],
)
def test_invalid_domain_lists_fail_at_cold_start_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_policy({variable: value})


def test_domain_lists_default_to_empty() -> None:
    assert load_policy({}) == DomainPolicy()
    assert load_policy({"BLOCKED_EMAIL_DOMAINS": '["xn--bcher-kva.example"]'}).blocked == ("xn--bcher-kva.example",)


# --- Linking decisions (plain logic) -------------------------------------------------------------------


def user(
    username: str = "native-1", email: str | None = EMAIL, verified: bool = True, external: bool = False
) -> ExistingUser:
    return ExistingUser(username, email, verified, external, ())


GOOGLE = FederatedIdentity("Google", GOOGLE_SUBJECT)


@pytest.mark.parametrize(
    ("users", "provider_verified", "expected"),
    [
        ([], True, None),
        ([user(external=True)], True, None),  # other federated users are never link targets
        ([user(email="someone.else@example.com")], True, None),
        ([user()], True, "native-1"),
        ([user(email="Jane.Doe@Example.com")], True, "native-1"),
        ([user(external=True, username="Facebook_1"), user()], True, "native-1"),
        ([user(verified=False), user(username="native-2")], True, "native-2"),
    ],
)
def test_link_destination(users: list[ExistingUser], provider_verified: bool, expected: str | None) -> None:
    destination = link_destination(EMAIL, provider_verified, users)
    assert (destination.username if destination else None) == expected


@pytest.mark.parametrize(
    ("users", "provider_verified", "message", "reason"),
    [
        ([user(verified=False)], True, NATIVE_EMAIL_UNVERIFIED, "native_email_unverified"),
        ([user()], False, PROVIDER_EMAIL_UNVERIFIED, "provider_email_unverified"),
        ([user(), user(username="native-2")], True, CANNOT_LINK, "ambiguous_native_users"),
    ],
)
def test_unsafe_links_are_refused(
    users: list[ExistingUser], provider_verified: bool, message: str, reason: str
) -> None:
    with pytest.raises(SignUpRejectedError) as rejected:
        link_destination(EMAIL, provider_verified, users)
    assert (str(rejected.value), rejected.value.reason) == (message, reason)


def test_list_users_entry_and_its_identities_are_read() -> None:
    entry = {
        "Username": "native-1",
        "UserStatus": "CONFIRMED",
        "Attributes": [
            {"Name": "email", "Value": EMAIL},
            {"Name": "email_verified", "Value": "True"},
            {"Name": "identities", "Value": json.dumps([{"providerName": "Google", "userId": GOOGLE_SUBJECT}])},
        ],
    }

    existing = existing_user(entry)

    assert existing == ExistingUser("native-1", EMAIL, True, False, (("Google", GOOGLE_SUBJECT),))
    assert is_linked(existing, GOOGLE)
    assert is_linked(existing, FederatedIdentity("google", GOOGLE_SUBJECT))
    assert not is_linked(existing, FederatedIdentity("Google", "other"))


@pytest.mark.parametrize("identities", ["not json", '{"a": 1}', "[1, 2]"])
def test_odd_identities_attribute_counts_as_no_link(identities: str) -> None:
    entry = {"Username": "u", "Attributes": [{"Name": "identities", "Value": identities}]}

    assert existing_user(entry).identities == ()


@pytest.mark.parametrize(
    ("user_name", "identity"),
    [
        ("Google_110169484474386276334", ("Google", "110169484474386276334")),
        ("SignInWithApple_001234.0a1b2c3d4e5f.0123", ("SignInWithApple", "001234.0a1b2c3d4e5f.0123")),
        ("CorpSaml_jane_doe@corp.example", ("CorpSaml", "jane_doe@corp.example")),
    ],
)
def test_parse_federated_username(user_name: str, identity: tuple[str, str]) -> None:
    assert parse_federated_username(user_name) == identity


@pytest.mark.parametrize("user_name", ["Google_", "_123", "NoSeparator", None, 42])
def test_malformed_federated_username_is_refused(user_name: object) -> None:
    with pytest.raises(SignUpRejectedError, match=CANNOT_LINK):
        parse_federated_username(user_name)


@pytest.mark.parametrize(
    ("subject", "exact"),
    [
        ("110169484474386276334", True),  # Google sub, Facebook id: digits
        ("248289761001", True),
        ("0-1.2_3", True),
        ("001234.0a1b2c3d4e5f.0123", False),  # Apple: lowercase hex, but was it lowercase before?
        ("amzn1.account.af2zqnl5ogtlhl", False),  # Login with Amazon user_id, lowercased by the pool
        ("00u1abcdef", False),  # Okta sub 00u1AbCdEf, lowercased by the pool
        ("jane.doe@corp.example", False),  # SAML NameID
        ("strasse", False),
        ("STRASSE", False),  # never produced by a lowercasing pool, and not provably exact either
    ],
)
def test_only_subjects_that_lowercasing_cannot_change_are_exact(subject: str, exact: bool) -> None:
    identity = FederatedIdentity("Provider", subject)
    if exact:
        require_exact_subject(identity)
        return
    with pytest.raises(SignUpRejectedError, match=CANNOT_LINK) as rejected:
        require_exact_subject(identity)
    assert rejected.value.reason == "subject_case_unknown"


@pytest.mark.parametrize(
    ("prefix", "configured", "name"),
    [
        ("google", (), "Google"),
        ("signinwithapple", (), "SignInWithApple"),
        ("Facebook", (), "Facebook"),
        ("corpoidc", ("CorpOIDC", "CorpSaml"), "CorpOIDC"),
        ("Unknown", ("CorpOIDC",), "Unknown"),
    ],
)
def test_canonical_provider_name(prefix: str, configured: tuple[str, ...], name: str) -> None:
    assert canonical_provider_name(prefix, configured) == name


def test_list_users_filter_escapes_quotes_and_backslashes() -> None:
    assert list_users_filter('a"b\\c@example.com') == 'email = "a\\"b\\\\c@example.com"'


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("True", True), (True, True), ("false", False), (None, False), ("1", False)]
)
def test_is_verified(value: object, expected: bool) -> None:
    assert is_verified(value) is expected


# --- The handler against a moto user pool ----------------------------------------------------------------


class Pool(NamedTuple):
    client: Any
    pool_id: str


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[Pool]:
    """One moto user pool per module: creating a pool costs moto ~0.4 s (it loads an RSA signing key)."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        aws_env(patch)
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = client.create_user_pool(PoolName="test", UsernameAttributes=["email"])["UserPool"]["Id"]
        client.create_identity_provider(
            UserPoolId=pool_id,
            ProviderName="CorpOIDC",
            ProviderType="OIDC",
            ProviderDetails={
                "client_id": "corp",
                "authorize_scopes": "openid email",
                "oidc_issuer": "https://idp.corp.example",
            },
        )
        yield Pool(client, pool_id)


@pytest.fixture
def pool(moto_pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pool]:
    powertools_env(monkeypatch)
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", '["example.com", "corp.example"]')
    monkeypatch.setenv("BLOCKED_EMAIL_DOMAINS", '["mailinator.com"]')
    yield moto_pool
    for user in moto_pool.client.list_users(UserPoolId=moto_pool.pool_id)["Users"]:
        moto_pool.client.admin_delete_user(UserPoolId=moto_pool.pool_id, Username=user["Username"])


@pytest.fixture
def handler(pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    return import_handler("pre_sign_up", monkeypatch)


class LinkRecorder:
    """Stands in for AdminLinkProviderForUser, which moto does not implement: records each call and
    writes the `identities` attribute the way Cognito does, so a retried invocation can see the link."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        source = kwargs["SourceUser"]
        identity = {"providerName": source["ProviderName"], "userId": source["ProviderAttributeValue"]}
        self.pool.client.admin_update_user_attributes(
            UserPoolId=kwargs["UserPoolId"],
            Username=kwargs["DestinationUser"]["ProviderAttributeValue"],
            UserAttributes=[{"Name": "identities", "Value": json.dumps([identity])}],
        )
        return {}


@pytest.fixture
def link(handler: ModuleType, pool: Pool, monkeypatch: pytest.MonkeyPatch) -> LinkRecorder:
    recorder = LinkRecorder(pool)
    monkeypatch.setattr(handler.aws.cognito_client(), "admin_link_provider_for_user", recorder)
    return recorder


def native_user(pool: Pool, *, verified: bool) -> str:
    created = pool.client.admin_create_user(
        UserPoolId=pool.pool_id,
        Username=EMAIL,
        UserAttributes=[{"Name": "email", "Value": EMAIL}, {"Name": "email_verified", "Value": str(verified).lower()}],
        MessageAction="SUPPRESS",
    )
    username: str = created["User"]["Username"]
    return username


def invoke(handler: ModuleType, pool: Pool, event: dict[str, Any]) -> dict[str, Any]:
    event["userPoolId"] = pool.pool_id
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


def google() -> dict[str, Any]:
    return ev.federated_sign_up("Google", GOOGLE_SUBJECT)


def test_native_sign_up_is_accepted_and_never_auto_confirmed_or_auto_verified(
    handler: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sign-up whose incoming response already says auto-verify (aws-lambda-go's sample event)
    event = ev.pre_sign_up()
    event["response"] = {"autoConfirmUser": True, "autoVerifyEmail": True, "autoVerifyPhone": True}

    result = invoke(handler, pool, event)

    assert result["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    assert metric_names(capsys.readouterr().out) == ["SignUpAccepted"]


@pytest.mark.parametrize("response", [None, "absent"])
def test_native_sign_up_without_a_response_gets_one(handler: ModuleType, pool: Pool, response: object) -> None:
    event = ev.pre_sign_up()
    if response == "absent":
        del event["response"]
    else:
        event["response"] = response

    assert invoke(handler, pool, event)["response"] == handler.NATIVE_SIGN_UP_RESPONSE


def test_admin_created_user_in_an_allowed_domain_is_accepted_untouched(handler: ModuleType, pool: Pool) -> None:
    event = ev.pre_sign_up("PreSignUp_AdminCreateUser")

    assert invoke(handler, pool, event) == {**ev.pre_sign_up("PreSignUp_AdminCreateUser"), "userPoolId": pool.pool_id}


@pytest.mark.parametrize(
    ("event", "email", "message"),
    [
        (ev.pre_sign_up(), "jane@eu.mailinator.com", DOMAIN_NOT_ALLOWED),
        (ev.pre_sign_up(), "jane@gmail.com", DOMAIN_NOT_ALLOWED),
        (ev.pre_sign_up("PreSignUp_AdminCreateUser"), "jane@gmail.com", DOMAIN_NOT_ALLOWED),
        (ev.federated_sign_up("Google", GOOGLE_SUBJECT), "jane@gmail.com", DOMAIN_NOT_ALLOWED),
        (ev.pre_sign_up(), "not-an-email", INVALID_EMAIL),
    ],
    ids=["blocked", "not-allowed", "admin-not-allowed", "federated-not-allowed", "malformed"],
)
def test_sign_ups_outside_the_policy_are_rejected(
    handler: ModuleType,
    pool: Pool,
    capsys: pytest.CaptureFixture[str],
    event: dict[str, Any],
    email: str,
    message: str,
) -> None:
    event["request"]["userAttributes"]["email"] = email

    with pytest.raises(handler.SignUpRejectedError) as rejected:
        invoke(handler, pool, event)

    assert str(rejected.value) == message
    output = capsys.readouterr().out
    assert metric_names(output) == ["SignUpRejected"]
    assert email not in output


@pytest.mark.parametrize(
    "event",
    [
        ev.pre_sign_up(email=None),
        ev.federated_sign_up("Facebook", "10223344556677889", email=None, email_verified=None),
        {**ev.pre_sign_up(), "request": None},
    ],
    ids=["native", "facebook-without-email-permission", "request-null"],
)
def test_missing_email_is_rejected(handler: ModuleType, pool: Pool, event: dict[str, Any]) -> None:
    with pytest.raises(handler.SignUpRejectedError, match=INVALID_EMAIL):
        invoke(handler, pool, event)


# Each provider type with a subject shaped as that IdP issues it (case as the IdP sends it).
PROVIDERS = {
    "Google": ("Google", GOOGLE_SUBJECT),
    "Facebook": ("Facebook", "10223344556677889"),
    "Apple": ("SignInWithApple", "001234.0a1b2c3d4e5f67890a1b2c3d4e5f6789.0123"),
    "LoginWithAmazon": ("LoginWithAmazon", "amzn1.account.AF2ZQNL5OGTLHLEXAMPLE"),
    "OIDC (Okta)": ("CorpOIDC", "00u1AbCdEf2GhIjK3l4"),
    "SAML": ("CorpSaml", "Jane.Doe@Corp.example"),
}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_first_federated_sign_in_without_native_account_creates_a_user(
    handler: ModuleType, pool: Pool, link: LinkRecorder, provider: str
) -> None:
    name, subject = PROVIDERS[provider]
    event = ev.federated_sign_up(name, subject)

    result = invoke(handler, pool, event)

    assert result["userName"] == ev.federated_user_name(name, subject)
    assert link.calls == []


@pytest.mark.parametrize("provider", ["Google", "Facebook"])
def test_numeric_social_subjects_are_linked_with_the_exact_subject(
    handler: ModuleType, pool: Pool, link: LinkRecorder, capsys: pytest.CaptureFixture[str], provider: str
) -> None:
    # Given a native user with a verified email
    native = native_user(pool, verified=True)
    name, subject = PROVIDERS[provider]

    # When the same person signs in with the provider for the first time
    with pytest.raises(handler.AccountLinkedError, match=f"{provider} sign-in is now connected") as raised:
        invoke(handler, pool, ev.federated_sign_up(name, subject))

    # Then the identity is linked to the native user with the IdP's subject, exactly
    assert link.calls == [
        {
            "UserPoolId": pool.pool_id,
            "DestinationUser": {"ProviderName": "Cognito", "ProviderAttributeValue": native},
            "SourceUser": {
                "ProviderName": name,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": subject,
            },
        }
    ]
    attributes = pool.client.admin_get_user(UserPoolId=pool.pool_id, Username=native)["UserAttributes"]
    identities = json.loads(next(a["Value"] for a in attributes if a["Name"] == "identities"))
    assert identities == [{"providerName": name, "userId": subject}]
    # and this attempt ends with a message asking to sign in again (the retry signs in as the native user)
    assert "Please sign in again" in str(raised.value)
    output = capsys.readouterr().out
    assert metric_names(output) == ["AccountLinked"]
    assert_no_personal_data(output)


@pytest.mark.parametrize("provider", ["Apple", "LoginWithAmazon", "OIDC (Okta)", "SAML"])
def test_subjects_whose_case_the_pool_lost_are_never_linked(
    handler: ModuleType, pool: Pool, link: LinkRecorder, capsys: pytest.CaptureFixture[str], provider: str
) -> None:
    # Given a native user, and a provider whose subject has letters: the pool sent it in lowercase
    native_user(pool, verified=True)
    name, subject = PROVIDERS[provider]
    event = ev.federated_sign_up(name, subject)
    assert subject.lower() in event["userName"]

    # Then no link is made with a subject that may differ from the IdP's, and the user is told what to do
    with pytest.raises(handler.SignUpRejectedError, match=CANNOT_LINK):
        invoke(handler, pool, event)

    assert link.calls == []
    assert '"reason":"subject_case_unknown"' in capsys.readouterr().out


def test_oidc_provider_with_a_numeric_subject_links_with_the_configured_provider_name(
    handler: ModuleType, pool: Pool, link: LinkRecorder
) -> None:
    # Case-insensitive pools hand the trigger "corpoidc_..." for the provider named "CorpOIDC"
    native_user(pool, verified=True)

    with pytest.raises(handler.AccountLinkedError, match="CorpOIDC"):
        invoke(handler, pool, ev.federated_sign_up("CorpOIDC", "248289761001"))

    assert link.calls[0]["SourceUser"]["ProviderName"] == "CorpOIDC"
    assert link.calls[0]["SourceUser"]["ProviderAttributeValue"] == "248289761001"


def test_retried_invocation_does_not_link_twice(handler: ModuleType, pool: Pool, link: LinkRecorder) -> None:
    native_user(pool, verified=True)
    with pytest.raises(handler.AccountLinkedError):
        invoke(handler, pool, google())

    # Cognito retries the trigger (e.g. after a timeout): the link is found, not made again
    with pytest.raises(handler.AccountLinkedError):
        invoke(handler, pool, google())

    assert len(link.calls) == 1


def test_unverified_native_account_refuses_the_federated_sign_in(
    handler: ModuleType, pool: Pool, link: LinkRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    native_user(pool, verified=False)

    with pytest.raises(handler.SignUpRejectedError, match=NATIVE_EMAIL_UNVERIFIED):
        invoke(handler, pool, google())

    assert link.calls == []
    assert '"reason":"native_email_unverified"' in capsys.readouterr().out


@pytest.mark.parametrize("verified", ["false", None])
def test_email_not_verified_by_the_provider_is_never_linked(
    handler: ModuleType, pool: Pool, link: LinkRecorder, verified: str | None
) -> None:
    native_user(pool, verified=True)
    event = ev.federated_sign_up("Google", GOOGLE_SUBJECT, email_verified=verified)

    with pytest.raises(handler.SignUpRejectedError, match=PROVIDER_EMAIL_UNVERIFIED):
        invoke(handler, pool, event)

    assert link.calls == []


def test_cognito_error_while_linking_shows_a_safe_message(
    handler: ModuleType, pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    native_user(pool, verified=True)

    def limit_exceeded(**kwargs: Any) -> None:
        error = {"Error": {"Code": "LimitExceededException", "Message": f"too many identities for {EMAIL}"}}
        raise ClientError(error, "AdminLinkProviderForUser")

    monkeypatch.setattr(handler.aws.cognito_client(), "admin_link_provider_for_user", limit_exceeded)

    with pytest.raises(handler.SignUpRejectedError, match=TRY_AGAIN) as rejected:
        invoke(handler, pool, google())

    assert rejected.value.__cause__ is None
    output = capsys.readouterr().out
    assert '"error_code":"LimitExceededException"' in output
    assert_no_personal_data(output)


def test_logs_carry_no_personal_data(handler: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]) -> None:
    for event in (ev.pre_sign_up(), ev.pre_sign_up("PreSignUp_AdminCreateUser"), google()):
        invoke(handler, pool, event)
    with pytest.raises(handler.SignUpRejectedError):
        invoke(handler, pool, ev.pre_sign_up(email=None))

    assert_no_personal_data(capsys.readouterr().out)
