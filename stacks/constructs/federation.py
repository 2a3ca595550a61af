"""Social and enterprise identity providers, each only when configured.

Secrets are referenced by Secrets Manager name and resolved by CloudFormation at deploy time
(dynamic references), so no secret ever appears in a template, an output or a log.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from stacks.config import AppConfig

_REPO = Path(__file__).resolve().parents[2]


def _secret(name: str) -> cdk.SecretValue:
    return cdk.SecretValue.secrets_manager(name)


def _standard_mapping(email: str, email_verified: str | None, name: str | None) -> cognito.AttributeMapping:
    return cognito.AttributeMapping(
        email=cognito.ProviderAttribute.other(email),
        email_verified=cognito.ProviderAttribute.other(email_verified) if email_verified else None,
        fullname=cognito.ProviderAttribute.other(name) if name else None,
    )


class Federation(Construct):
    """Creates the configured providers; `providers` lists them for the web client."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, user_pool: cognito.IUserPool) -> None:
        super().__init__(scope, construct_id)
        fed = config.federation
        self.providers: list[cognito.IUserPoolIdentityProvider] = []
        if fed.google:
            self._add(
                cognito.UserPoolIdentityProviderGoogle(
                    self,
                    "Google",
                    user_pool=user_pool,
                    client_id=fed.google.client_id,
                    client_secret_value=_secret(fed.google.client_secret_name),
                    scopes=fed.google.scopes,
                    attribute_mapping=_standard_mapping("email", "email_verified", "name"),
                )
            )
        if fed.facebook:
            self._add(
                cognito.UserPoolIdentityProviderFacebook(
                    self,
                    "Facebook",
                    user_pool=user_pool,
                    client_id=fed.facebook.client_id,
                    client_secret=_secret(fed.facebook.client_secret_name).unsafe_unwrap(),
                    api_version=fed.facebook.api_version,
                    scopes=fed.facebook.scopes,
                    # Facebook only returns addresses it has verified; it sends no email_verified.
                    attribute_mapping=_standard_mapping("email", None, "name"),
                )
            )
        if fed.apple:
            self._add(
                cognito.UserPoolIdentityProviderApple(
                    self,
                    "Apple",
                    user_pool=user_pool,
                    client_id=fed.apple.services_id,
                    team_id=fed.apple.team_id,
                    key_id=fed.apple.key_id,
                    private_key_value=_secret(fed.apple.private_key_secret_name),
                    scopes=fed.apple.scopes,
                    attribute_mapping=_standard_mapping("email", "email_verified", "name"),
                )
            )
        for oidc in fed.oidc:
            self._add(
                cognito.UserPoolIdentityProviderOidc(
                    self,
                    f"Oidc{oidc.name}",
                    user_pool=user_pool,
                    name=oidc.name,
                    issuer_url=oidc.issuer_url,
                    client_id=oidc.client_id,
                    client_secret=_secret(oidc.client_secret_name).unsafe_unwrap(),
                    scopes=oidc.scopes,
                    attribute_request_method=cognito.OidcAttributeRequestMethod.GET,
                    attribute_mapping=_standard_mapping("email", "email_verified", "name"),
                )
            )
        for saml in fed.saml:
            metadata = (
                cognito.UserPoolIdentityProviderSamlMetadata.url(saml.metadata_url)
                if saml.metadata_url
                else cognito.UserPoolIdentityProviderSamlMetadata.file(
                    (_REPO / str(saml.metadata_file)).read_text(encoding="utf-8")
                )
            )
            self._add(
                cognito.UserPoolIdentityProviderSaml(
                    self,
                    f"Saml{saml.name}",
                    user_pool=user_pool,
                    name=saml.name,
                    metadata=metadata,
                    attribute_mapping=cognito.AttributeMapping(
                        email=cognito.ProviderAttribute.other(
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
                        ),
                        fullname=cognito.ProviderAttribute.other(
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
                        ),
                    ),
                )
            )

    def _add(self, provider: cognito.IUserPoolIdentityProvider) -> None:
        cfn = provider.node.default_child
        assert isinstance(cfn, cognito.CfnUserPoolIdentityProvider)
        # Pinned logical ID: a replaced provider unlinks every federated user from it.
        cfn.override_logical_id(f"IdentityProvider{provider.node.id}")
        self.providers.append(provider)

    def client_providers(self) -> list[cognito.UserPoolClientIdentityProvider]:
        return [cognito.UserPoolClientIdentityProvider.custom(p.provider_name) for p in self.providers]
