"""Cognito user-pool trigger events as Cognito sends them: one builder per trigger, per trigger source,
and the variants (null, absent, version) that the documentation and captured events show.

Every field below comes from one of these sources; the code cites them by key. "AWS" pages are in the
Cognito developer guide (https://docs.aws.amazon.com/cognito/latest/developerguide/<page>).

key   source                                                  what it shows
----  ------------------------------------------------------  ---------------------------------------------------
CP    AWS "User pool Lambda trigger common parameters"          version, triggerSource, region, userPoolId, userName,
      (cognito-user-identity-pools-working-with-aws-lambda-     callerContext {awsSdkVersion, clientId}, request,
      triggers.html)                                            response
PSU   AWS "Pre sign-up Lambda trigger" (user-pool-lambda-       sources SignUp, AdminCreateUser, ExternalProvider;
      pre-sign-up.html)                                         userAttributes, validationData, clientMetadata; the
                                                                response booleans, ignored for AdminCreateUser
PC    AWS "Post confirmation Lambda trigger" (user-pool-        sources ConfirmSignUp, ConfirmForgotPassword;
      lambda-post-confirmation.html)                            userAttributes, clientMetadata; empty response
PTG   AWS "Pre token generation Lambda trigger" (user-pool-     user sources HostedAuth, Authentication,
      lambda-pre-token-generation.html)                         NewPasswordChallenge, AuthenticateDevice,
                                                                RefreshTokens; ClientCredentials (V3_0 only); "version
                                                                two and three events are identical";
                                                                groupConfiguration (a list in the parameter syntax),
                                                                scopes; the V2 response; the excluded claims
CM    AWS "Custom message Lambda trigger" (user-pool-lambda-    the seven sources; codeParameter, linkParameter,
      custom-message.html)                                      usernameParameter, clientMetadata; smsMessage,
                                                                emailMessage, emailSubject
UM    AWS "Migrate user Lambda trigger" (user-pool-lambda-      sources Authentication and ForgotPassword; userName
      migrate-user.html) and "Importing users with a user       as entered; request password (absent in the forgot-
      migration Lambda trigger" (cognito-user-pools-import-     password flow), validationData, clientMetadata; the
      using-lambda.html)                                        response userAttributes, finalUserStatus,
                                                                messageAction, desiredDeliveryMediums,
                                                                forceAliasCreation, enableSMSMFA; never invoked for
                                                                passwordless sign-in or SRP (no password to pass on)
CASE  AWS "User pool case sensitivity" (user-pool-case-         case-insensitive pools flatten username,
      sensitivity.html)                                         preferred_username and email to lowercase in the input
                                                                events of Lambda triggers; OIDC sub and SAML NameID
                                                                are case-sensitive
MAP   AWS "Mapping IdP attributes to profiles and tokens"       federated userName = <IdP name>_<id>: Facebook id,
      (cognito-user-pools-specifying-attribute-mapping.html)    Google sub, Login with Amazon user_id, Apple sub, SAML
                                                                NameID, OIDC sub
LINK  AWS "Linking federated users to an existing user          the identities attribute: userId, providerName,
      profile" (cognito-user-pools-identity-federation-         providerType, issuer, primary, dateCreated
      consolidate-users.html)
GCT   AWS GetClientToken API reference                          client-credentials scopes default to the client's;
                                                                ClientMetadata reaches the triggers
ISS   aws-amplify/amplify-js#13844                              a real PreSignUp_ExternalProvider userName arrives
                                                                lowercased from a case-insensitive pool
PT    aws-powertools/powertools-lambda-python,                  "response": {}; attribute booleans as JSON booleans; a
      tests/events/cognito*.json                                V2 token event with version "1"; usernameParameter
                                                                "username"; callerContext.awsSdk; a user migration
                                                                request with only a password
GO    aws/aws-lambda-go, events/testdata/cognito-event-         codeParameter "####"; an incoming pre sign-up response
      userpools-*.json                                          with autoVerifyEmail/autoVerifyPhone true; V2
                                                                groupConfiguration without preferredRole; version "2";
                                                                a user migration event with validationData,
                                                                clientMetadata and a filled-in response
RS    awslabs/aws-lambda-rust-runtime, lambda-events/src/       a V2 HostedAuth event with version "1" and the V1
      fixtures/example-cognito-event-userpools-*.json           response key claimsOverrideDetails: null
CAP1  captured PreSignUp_ExternalProvider (Google,              cognito:email_alias "", cognito:phone_number_alias "",
      ap-northeast-1) in the public post "cognitoで特定ドメイン    mapped attributes only, validationData {}, no
      のGoogleアカウントだけsignUpさせる" (2019)                     identities
CAP2  captured CustomMessage_AdminCreateUser (eu-west-2,        clientId CLIENT_ID_NOT_APPLICABLE, cognito:user_status
      aws-sdk-js-2.1639.0) in a public repository README        FORCE_CHANGE_PASSWORD, no clientMetadata, response
                                                                fields null
CAP3  captured CustomMessage_AdminCreateUser (us-west-2,        no linkParameter, response fields null
      aws-sdk-java-1.11.93) in a public blog repository
CAP4  captured PreSignUp_AdminCreateUser and                    validationData null, CLIENT_ID_NOT_APPLICABLE,
      PostConfirmation_ConfirmSignUp (us-west-2) in a public    cognito:email_alias, "response": {}
      repository's tests

Builders return a fresh dict (handlers fill in `response` in place). `variants(event)` yields the event
as built plus every documented or observed variant of its trigger; the matrix test runs each handler
over all of them. Lambda code never imports this module.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

Event = dict[str, Any]

REGION = "us-east-1"
POOL_ID = "us-east-1_EXAMPLE1a"
WEB_CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"
SERVICE_CLIENT_ID = "6o3jv0tsr2serviceclient0a"
# Admin operations run without an app client (CAP2, CAP4).
NO_CLIENT = "CLIENT_ID_NOT_APPLICABLE"
SDK_UNKNOWN = "aws-sdk-unknown-unknown"
SUB = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
EMAIL = "jane.doe@example.com"
PHONE = "+15555550100"
NAME = "Jane Doe"
RESOURCE_SERVER = "cognito-ref-api"
ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
# A user migration request carries the password the user typed (UM): no log line may ever contain it.
PASSWORD = "Correct-Horse-9-Battery"  # noqa: S105 - a test password, not a secret
# Personal data the builders put in events; no log line may contain any of it.
PERSONAL_DATA = (EMAIL, "jane.doe", PHONE, NAME, PASSWORD)

PRE_SIGN_UP_SOURCES = ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider")  # PSU
POST_CONFIRMATION_SOURCES = ("PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword")  # PC
USER_TOKEN_SOURCES = (  # PTG
    "TokenGeneration_HostedAuth",
    "TokenGeneration_Authentication",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
)
CLIENT_CREDENTIALS = "TokenGeneration_ClientCredentials"  # PTG: V3_0 events only
CUSTOM_MESSAGE_SOURCES = (  # CM
    "CustomMessage_SignUp",
    "CustomMessage_AdminCreateUser",
    "CustomMessage_ResendCode",
    "CustomMessage_ForgotPassword",
    "CustomMessage_UpdateUserAttribute",
    "CustomMessage_VerifyUserAttribute",
    "CustomMessage_Authentication",
)
USER_MIGRATION_SOURCES = ("UserMigration_Authentication", "UserMigration_ForgotPassword")  # UM
# PTG "Excluded claims": claims a response may not add or override (groups and roles only through
# groupOverrideDetails), in either token.
RESERVED_CLAIMS = frozenset(
    {
        "acr", "amr", "at_hash", "aud", "auth_time", "azp", "client_id", "cognito:groups", "cognito:preferred_role",
        "cognito:roles", "cognito:username", "device_key", "event_id", "exp", "iat", "identities", "iss", "jti",
        "nbf", "nonce", "origin_jti", "scope", "sub", "token_use", "username", "version",
    }
)  # fmt: skip


def trigger_event(
    trigger_source: str,
    request: Any,
    response: Any,
    *,
    user_name: str | None = SUB,
    client_id: str = WEB_CLIENT_ID,
    version: str = "1",
    region: str = REGION,
    user_pool_id: str = POOL_ID,
) -> Event:
    """The common parameters (CP) around a trigger's request and response (the local stack passes its own pool)."""
    return {
        "version": version,
        "triggerSource": trigger_source,
        "region": region,
        "userPoolId": user_pool_id,
        "userName": user_name,
        "callerContext": {"awsSdkVersion": SDK_UNKNOWN, "clientId": client_id},
        "request": request,
        "response": response,
    }


# --- Pre sign-up (PSU) ---------------------------------------------------------------------------------


def pre_sign_up(
    trigger_source: str = "PreSignUp_SignUp",
    *,
    email: str | None = EMAIL,
    user_attributes: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> Event:
    """PreSignUp_SignUp (SignUp API or managed login) or PreSignUp_AdminCreateUser (AdminCreateUser).

    For ExternalProvider use `federated_sign_up`. The user does not exist yet: no `sub`, and the
    userName of an email-username pool is a generated id. AdminCreateUser runs without an app client
    and with `validationData: null` (CAP4).
    """
    if trigger_source == "PreSignUp_ExternalProvider":
        raise ValueError("use federated_sign_up() for PreSignUp_ExternalProvider")
    admin = trigger_source == "PreSignUp_AdminCreateUser"
    attributes = (
        {"email": email, "email_verified": "true"} if admin else {"email": email, "phone_number": PHONE, "name": NAME}
    )
    request: Event = {
        "userAttributes": {**{k: v for k, v in attributes.items() if v is not None}, **(user_attributes or {})},
        "validationData": None,
    }
    if not admin:
        request["clientMetadata"] = dict(client_metadata or {})
    response = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    return trigger_event(
        trigger_source,
        request,
        response,
        user_name="b5c6d7e8-1234-5678-9abc-EXAMPLE22222",
        client_id=NO_CLIENT if admin else WEB_CLIENT_ID,
    )


def federated_user_name(provider: str, subject: str, *, case_sensitive_pool: bool = False) -> str:
    """`<provider>_<subject>` (MAP), lowercased whole in a case-insensitive pool (CASE, ISS)."""
    user_name = f"{provider}_{subject}"
    return user_name if case_sensitive_pool else user_name.lower()


def federated_sign_up(
    provider: str,
    subject: str,
    *,
    email: str | None = EMAIL,
    email_verified: str | bool | None = "true",
    attributes: Mapping[str, Any] | None = None,
    case_sensitive_pool: bool = False,
) -> Event:
    """PreSignUp_ExternalProvider: a federated user's first sign-in (CAP1).

    `subject` is the IdP's identifier exactly as the IdP sends it (Google `sub`, SAML NameID, ...).
    The event carries only the mapped attributes, never `identities` (the user does not exist yet);
    this pool (case-insensitive, as the user pool construct makes it) sends the userName and email in
    lowercase (CASE). `email_verified` is omitted when None, as for providers that map no such claim.
    """
    mapped: Event = {"cognito:email_alias": "", "cognito:phone_number_alias": ""}
    if email_verified is not None:
        mapped["email_verified"] = email_verified
    if email is not None:
        mapped["email"] = email if case_sensitive_pool else email.lower()
    mapped.update(attributes or {})
    response = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    return trigger_event(
        "PreSignUp_ExternalProvider",
        {"userAttributes": mapped, "validationData": {}},
        response,
        user_name=federated_user_name(provider, subject, case_sensitive_pool=case_sensitive_pool),
    )


# --- Post confirmation (PC) ----------------------------------------------------------------------------


def post_confirmation(trigger_source: str = "PostConfirmation_ConfirmSignUp", *, user_name: str = SUB) -> Event:
    """The user is confirmed: `sub`, `cognito:user_status` CONFIRMED and the email alias (CAP4)."""
    attributes = {
        "sub": user_name,
        "email_verified": "true",
        "cognito:user_status": "CONFIRMED",
        "cognito:email_alias": EMAIL,
        "email": EMAIL,
        "phone_number": PHONE,
    }
    return trigger_event(trigger_source, {"userAttributes": attributes, "clientMetadata": {}}, {}, user_name=user_name)


# --- Pre token generation (PTG) ------------------------------------------------------------------------


def identities_attribute(provider: str, subject: str, provider_type: str | None = None) -> str:
    """The `identities` attribute of a federated user (LINK): a JSON string."""
    return json.dumps(
        [
            {
                "userId": subject,
                "providerName": provider,
                "providerType": provider_type or provider,
                "issuer": None,
                "primary": "true",
                "dateCreated": "1577836800000",
            }
        ]
    )


def pre_token_generation(
    trigger_source: str = "TokenGeneration_Authentication",
    *,
    groups: Sequence[str] = ("users",),
    scopes: Sequence[str] | None = None,
    version: str = "2",
    user_attributes: Mapping[str, Any] | None = None,
    user_name: str = SUB,
) -> Event:
    """A user's token event (V2_0; V3_0 is the same event, PTG).

    `scopes` defaults to what Cognito would issue: the admin API scope for SDK sign-ins and refreshes,
    the OAuth request's scopes for managed login (HostedAuth).
    """
    if trigger_source == CLIENT_CREDENTIALS:
        raise ValueError("use client_credentials_token() for TokenGeneration_ClientCredentials")
    if scopes is None:
        scopes = (
            ["openid", "email", "profile", f"{RESOURCE_SERVER}/profile.read"]
            if trigger_source == "TokenGeneration_HostedAuth"
            else [ADMIN_API_SCOPE]
        )
    attributes = {
        "sub": SUB,
        "cognito:user_status": "CONFIRMED",
        "email_verified": "true",
        "email": EMAIL,
        "phone_number": PHONE,
        "phone_number_verified": "false",
        **(user_attributes or {}),
    }
    request = {
        "userAttributes": attributes,
        "groupConfiguration": {"groupsToOverride": list(groups), "iamRolesToOverride": [], "preferredRole": None},
        "scopes": list(scopes),
    }
    return trigger_event(
        trigger_source, request, {"claimsAndScopeOverrideDetails": None}, user_name=user_name, version=version
    )


def federated_token(provider: str, subject: str, **kwargs: Any) -> Event:
    """A federated user's managed-login token event: EXTERNAL_PROVIDER status, `identities`, and the
    automatic `<poolId>_<provider>` group beside the user's own groups."""
    groups = [*kwargs.pop("groups", ("users",)), f"{POOL_ID}_{provider}"]
    attributes = {"cognito:user_status": "EXTERNAL_PROVIDER", "identities": identities_attribute(provider, subject)}
    return pre_token_generation(
        "TokenGeneration_HostedAuth",
        groups=groups,
        user_attributes=attributes,
        user_name=federated_user_name(provider, subject),
        **kwargs,
    )


def client_credentials_token(
    *,
    client_id: str = SERVICE_CLIENT_ID,
    scopes: Sequence[str] = (f"{RESOURCE_SERVER}/profile.read",),
    client_metadata: Mapping[str, str] | None = None,
) -> Event:
    """TokenGeneration_ClientCredentials (V3_0): an app client authenticated with its secret.

    The event has the V2 shape (PTG); there is no user, so no attributes and no groups. `scopes` are the
    requested scopes, or the client's when none were requested (GCT). AWS publishes no sample of this
    event: the null userName is this module's assumption (handlers must not depend on it).
    """
    request: Event = {
        "userAttributes": {},
        "groupConfiguration": {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None},
        "scopes": list(scopes),
    }
    if client_metadata is not None:
        request["clientMetadata"] = dict(client_metadata)
    return trigger_event(
        CLIENT_CREDENTIALS,
        request,
        {"claimsAndScopeOverrideDetails": None},
        user_name=None,
        client_id=client_id,
        version="3",
    )


# --- Custom message (CM) -------------------------------------------------------------------------------

_MESSAGE_USER_STATUS = {
    "CustomMessage_SignUp": "UNCONFIRMED",
    "CustomMessage_ResendCode": "UNCONFIRMED",
    "CustomMessage_AdminCreateUser": "FORCE_CHANGE_PASSWORD",
}


def custom_message(trigger_source: str = "CustomMessage_SignUp", *, email: str = EMAIL) -> Event:
    """A custom message event; `usernameParameter` is set only for AdminCreateUser, whose event runs
    without an app client (CAP2, CAP3)."""
    admin = trigger_source == "CustomMessage_AdminCreateUser"
    status = _MESSAGE_USER_STATUS.get(trigger_source, "CONFIRMED")
    attributes = {
        "sub": SUB,
        "cognito:user_status": status,
        "email_verified": "true" if status == "CONFIRMED" else "false",
        "email": email,
        "phone_number": PHONE,
        "name": "<b>Jane</b> & co",  # user-controlled text: handlers must never insert it
    }
    request = {
        "userAttributes": attributes,
        "codeParameter": "{####}",
        "linkParameter": "{##Click Here##}",
        "usernameParameter": "{username}" if admin else None,
        "clientMetadata": {},
    }
    response = {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    return trigger_event(trigger_source, request, response, client_id=NO_CLIENT if admin else WEB_CLIENT_ID)


# --- User migration (UM) ------------------------------------------------------------------------------


def user_migration(
    trigger_source: str = "UserMigration_Authentication",
    *,
    user_name: str = EMAIL,
    password: str = PASSWORD,
    client_metadata: Mapping[str, str] | None = None,
) -> Event:
    """A sign-in (Authentication) or password reset (ForgotPassword) of a user this pool does not know yet.

    The user does not exist here, so there is no `sub` and no attribute: only the name as entered (flattened
    to lowercase by this case-insensitive pool, CASE), and, at sign-in only, the password. The response
    fields are what the function fills in; Cognito sends them empty (GO shows them all, PT sends `{}`).
    """
    request: Event = {"validationData": None, "clientMetadata": dict(client_metadata or {})}
    if trigger_source == "UserMigration_Authentication":
        request["password"] = password
    response = {
        "userAttributes": None,
        "finalUserStatus": None,
        "messageAction": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }
    return trigger_event(trigger_source, request, response, user_name=user_name.lower())


# --- Variants --------------------------------------------------------------------------------------------

Mutation = Callable[[Event], None]


def _set(path: str, value: Any) -> Mutation:
    """Set a dotted path; the parent must exist and be a dict (otherwise the variant does not apply)."""
    *parents, key = path.split(".")

    def apply(event: Event) -> None:
        node = event
        for part in parents:
            node = node[part]
        node[key] = copy.deepcopy(value)  # handlers change what they get: never share a value

    return apply


def _drop(path: str) -> Mutation:
    *parents, key = path.split(".")

    def apply(event: Event) -> None:
        node = event
        for part in parents:
            node = node[part]
        del node[key]

    return apply


def _group_configuration_list(event: Event) -> None:
    """`groupConfiguration` as the parameter syntax of the developer guide shows it: a list (PTG)."""
    request = event["request"]
    request["groupConfiguration"] = [request["groupConfiguration"]]


def _auto(confirm: bool, email: bool, phone: bool) -> dict[str, bool]:
    return {"autoConfirmUser": confirm, "autoVerifyEmail": email, "autoVerifyPhone": phone}


def _password_only(event: Event) -> None:
    """A sign-in request with nothing but the password (PT)."""
    event["request"] = {"password": event["request"]["password"]}


def _aws_sdk_key(event: Event) -> None:
    """`callerContext.awsSdk` instead of `awsSdkVersion` (PT)."""
    caller = event["callerContext"]
    caller["awsSdk"] = caller.pop("awsSdkVersion")


def _booleans(event: Event) -> None:
    """Attribute booleans as JSON booleans instead of "true"/"false" strings (PT, GO)."""
    attributes = event["request"]["userAttributes"]
    for name in ("email_verified", "phone_number_verified"):
        if isinstance(attributes.get(name), str):
            attributes[name] = attributes[name] == "true"


_COMMON: tuple[tuple[str, Mutation], ...] = (
    ("response {}", _set("response", {})),  # PT
    ("response null", _set("response", None)),
    ("response absent", _drop("response")),
    ("request null", _set("request", None)),
    ("userAttributes absent", _drop("request.userAttributes")),
    ("userAttributes null", _set("request.userAttributes", None)),
    ("attribute booleans", _booleans),  # PT, GO
    ("clientMetadata null", _set("request.clientMetadata", None)),
    ("clientMetadata absent", _drop("request.clientMetadata")),
    ("callerContext.awsSdk", _aws_sdk_key),  # PT
)
_BY_TRIGGER: dict[str, tuple[tuple[str, Mutation], ...]] = {
    "PreSignUp": (
        ("validationData {}", _set("request.validationData", {})),  # CAP1
        ("validationData absent", _drop("request.validationData")),  # PT
        ("validationData with values", _set("request.validationData", {"k1": "v1"})),  # GO
        ("response auto-verify true", _set("response", _auto(False, True, True))),  # GO, RS
        ("version string", _set("version", "string")),  # PT
    ),
    "PostConfirmation": (("version string", _set("version", "string")),),  # PT
    "TokenGeneration": (
        ("version 1", _set("version", "1")),  # PT, RS
        ("version 3", _set("version", "3")),  # PTG: V3 events are V2 events
        ("groupConfiguration null", _set("request.groupConfiguration", None)),
        ("groupConfiguration absent", _drop("request.groupConfiguration")),
        ("groupConfiguration list", _group_configuration_list),  # PTG parameter syntax
        ("preferredRole absent", _drop("request.groupConfiguration.preferredRole")),  # GO
        ("groupsToOverride absent", _drop("request.groupConfiguration.groupsToOverride")),
        ("groupsToOverride null", _set("request.groupConfiguration.groupsToOverride", None)),
        ("scopes absent", _drop("request.scopes")),  # PTG: V1 events carry none
        ("scopes null", _set("request.scopes", None)),
        ("response claimsOverrideDetails", _set("response", {"claimsOverrideDetails": None})),  # RS
    ),
    "UserMigration": (
        ("request password only", _password_only),  # PT
        ("validationData with values", _set("request.validationData", {"k1": "v1"})),  # GO
        ("validationData absent", _drop("request.validationData")),  # PT
        ("password null", _set("request.password", None)),
        ("version string", _set("version", "string")),  # PT
    ),
    "CustomMessage": (
        ("codeParameter ####", _set("request.codeParameter", "####")),  # GO, RS
        ("usernameParameter username", _set("request.usernameParameter", "username")),  # PT
        ("usernameParameter absent", _drop("request.usernameParameter")),
        ("linkParameter absent", _drop("request.linkParameter")),  # CAP3
        ("codeParameter null", _set("request.codeParameter", None)),
        ("client not applicable", _set("callerContext.clientId", NO_CLIENT)),  # CAP2
    ),
}


def trigger_of(event: Mapping[str, Any]) -> str:
    """The trigger a source belongs to: "PreSignUp", "PostConfirmation", "TokenGeneration", "CustomMessage",
    "UserMigration"."""
    return str(event["triggerSource"]).split("_", 1)[0]


def variants(event: Event) -> Iterator[tuple[str, Event]]:
    """The event as built, then each variant of its trigger that applies to it (fresh copies)."""
    yield "as built", copy.deepcopy(event)
    for name, mutate in (*_COMMON, *_BY_TRIGGER.get(trigger_of(event), ())):
        variant = copy.deepcopy(event)
        try:
            mutate(variant)
        except (KeyError, TypeError):
            continue  # the field this variant changes is not part of this event
        if variant != event:
            yield name, variant
