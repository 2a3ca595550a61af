"""App clients: which flows, which scopes, which URLs, which attributes, per profile."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import Synth

CLIENT = "AWS::Cognito::UserPoolClient"


def client(synth: Synth, logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = synth.templates["Auth"]["Resources"][logical_id]["Properties"]
    return props


def scopes(props: dict[str, Any]) -> list[str]:
    """Scope names, with resource-server scopes written as `<rs>/<name>`."""
    names = []
    for scope in props.get("AllowedOAuthScopes", []):
        if isinstance(scope, str):
            names.append(scope)
        else:
            ref, suffix = scope["Fn::Join"][1]
            assert ref == {"Ref": "ResourceServer"}
            names.append(f"<rs>{suffix}")
    return names


@pytest.mark.parametrize("logical_id", ["WebClient", "NativeClient"])
def test_public_clients_use_code_flow_with_pkce_and_no_secret(synth: Synth, logical_id: str) -> None:
    props = client(synth, logical_id)
    assert props.get("GenerateSecret", False) is False  # public: PKCE is mandatory without a secret
    assert props["AllowedOAuthFlows"] == ["code"]  # never implicit
    assert props["AllowedOAuthFlowsUserPoolClient"] is True
    expected_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    if synth.config.passwordless:
        expected_flows.insert(1, "ALLOW_USER_AUTH")
    if synth.config.migration and synth.config.migration.sdk_password_sign_in:
        expected_flows.insert(0, "ALLOW_USER_PASSWORD_AUTH")  # the UserMigration trigger needs the password
    assert props["ExplicitAuthFlows"] == expected_flows
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True


def test_token_lifetimes_follow_config(synth: Synth) -> None:
    tokens = synth.config.tokens
    synth.template("Auth").has_resource_properties(
        CLIENT,
        {
            "ClientName": f"{synth.config.prefix}-web",
            "AccessTokenValidity": tokens.access_minutes,
            "IdTokenValidity": tokens.id_minutes,
            "RefreshTokenValidity": tokens.refresh_days * 24 * 60,
            "AuthSessionValidity": tokens.auth_session_minutes,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
        },
    )
    client = synth.templates["Auth"]["Resources"]["WebClient"]["Properties"]
    assert client["AccessTokenValidity"] <= 60  # revoked tokens stay valid until they expire
    assert client["IdTokenValidity"] <= 60


def test_callback_and_logout_urls_come_from_config(synth: Synth) -> None:
    """...and, with web.enabled, the hosted web app's (tests/infra/test_web_hosting.py) after them."""
    for logical_id, urls in (("WebClient", synth.config.clients.web), ("NativeClient", synth.config.clients.native)):
        assert urls is not None
        props = client(synth, logical_id)
        hosted = 1 if logical_id == "WebClient" and synth.config.web.enabled else 0
        assert props["CallbackURLs"][: len(props["CallbackURLs"]) - hosted] == urls.callback_urls
        assert props["LogoutURLs"][: len(props["LogoutURLs"]) - hosted] == urls.logout_urls
        assert len(props["CallbackURLs"]) == len(urls.callback_urls) + hosted


def test_native_client_allows_custom_scheme_callbacks(dev: Synth) -> None:
    assert client(dev, "NativeClient")["CallbackURLs"] == ["cognitoref://callback"]


def test_each_client_gets_only_the_scopes_it_needs(synth: Synth) -> None:
    user_scopes = ["<rs>/profile.read", "<rs>/files.read", "<rs>/files.write", "<rs>/notes.read", "<rs>/notes.write",
                   "<rs>/account.delete"]  # fmt: skip
    assert scopes(client(synth, "WebClient")) == ["openid", "email", "profile", *user_scopes, "<rs>/admin"]
    assert scopes(client(synth, "NativeClient")) == ["openid", "email", "profile", *user_scopes]
    assert scopes(client(synth, "ServiceClient")) == [f"<rs>/{s}" for s in synth.config.clients.service.scopes]


def test_service_client_is_confidential_machine_to_machine_only(synth: Synth) -> None:
    props = client(synth, "ServiceClient")
    assert props["GenerateSecret"] is True
    assert props["AllowedOAuthFlows"] == ["client_credentials"]
    # No user sign-in flow at all (an unset list would mean Cognito's default, with CUSTOM_AUTH).
    assert props["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert "CallbackURLs" not in props
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True
    # Only the id is an output; the secret never is.
    outputs = synth.templates["Auth"]["Outputs"]
    assert outputs["ServiceClientId"]["Value"] == {"Ref": "ServiceClient"}
    assert all("ClientSecret" not in str(o["Value"]) for o in outputs.values())


def test_clients_cannot_write_authorization_relevant_attributes(synth: Synth) -> None:
    federated = bool(synth.config.federation.provider_names())
    for logical_id in ("WebClient", "NativeClient"):
        props = client(synth, logical_id)
        expected = ["family_name", "given_name", "locale", "name"]
        if federated and logical_id == "WebClient":
            # Cognito must be able to write the attributes mapped from the identity providers.
            expected = sorted([*expected, "email", "email_verified"])
        assert sorted(props["WriteAttributes"]) == expected
        assert "email" in props["ReadAttributes"]
        assert "email_verified" in props["ReadAttributes"]


def test_no_template_uses_the_cdk_placeholder_callback(synth: Synth) -> None:
    # CDK fills in https://example.com when a client has OAuth but no callback URLs.
    for template in synth.templates.values():
        assert "https://example.com" not in json.dumps(template)
