"""Pinned logical IDs of stateful resources.

CloudFormation identifies a resource by its logical ID: a changed ID (for example after moving a
construct) deletes the old resource and creates a new one. For a user pool that means every user
is gone. These IDs are set explicitly in the constructs and must never change.
"""

from __future__ import annotations

from tests.support import Synth

PINNED = {
    "UserPool": "AWS::Cognito::UserPool",
    "Domain": "AWS::Cognito::UserPoolDomain",
    "ResourceServer": "AWS::Cognito::UserPoolResourceServer",
    "WebClient": "AWS::Cognito::UserPoolClient",
    "NativeClient": "AWS::Cognito::UserPoolClient",
    "ServiceClient": "AWS::Cognito::UserPoolClient",
    "GroupAdmins": "AWS::Cognito::UserPoolGroup",
    "GroupUsers": "AWS::Cognito::UserPoolGroup",
    "IdentityPool": "AWS::Cognito::IdentityPool",
    "IdentityPoolRoleAttachment": "AWS::Cognito::IdentityPoolRoleAttachment",
    "IdentityPoolPrincipalTag": "AWS::Cognito::IdentityPoolPrincipalTag",
    "DataBucket": "AWS::S3::Bucket",
    "AccessLogBucket": "AWS::S3::Bucket",
    "RecordsTable": "AWS::DynamoDB::Table",
}
PINNED_PROVIDERS = {
    "IdentityProviderGoogle": "Google",
    "IdentityProviderFacebook": "Facebook",
    "IdentityProviderApple": "SignInWithApple",
    "IdentityProviderOidcOkta": "Okta",
    "IdentityProviderSamlAzureAD": "AzureAD",
}


def test_stateful_logical_ids_are_pinned(synth: Synth) -> None:
    resources = synth.templates["Auth"]["Resources"]
    assert {logical_id: resources[logical_id]["Type"] for logical_id in PINNED if logical_id in resources} == PINNED


def test_identity_provider_logical_ids_are_pinned(full: Synth) -> None:
    resources = full.templates["Auth"]["Resources"]
    providers = {
        logical_id: r["Properties"]["ProviderName"]
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Cognito::UserPoolIdentityProvider"
    }
    assert providers == PINNED_PROVIDERS


def test_stack_names_are_stable(synth: Synth) -> None:
    # A renamed stack is a new stack: CloudFormation would create every resource again.
    prefix = synth.config.prefix
    assert synth.stack_names == {"Auth": f"{prefix}-auth", "Api": f"{prefix}-api"}
