"""User pool, domain, groups, federation and outputs: intent, per profile."""

from __future__ import annotations

from aws_cdk.assertions import Match

from tests.infra.iam_eval import Env, Stacks
from tests.support import Synth

POOL = "AWS::Cognito::UserPool"


def pool_props(synth: Synth) -> dict:
    return synth.templates["Auth"]["Resources"]["UserPool"]["Properties"]


def test_email_is_the_case_insensitive_username_with_minimal_schema(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        POOL,
        {
            "UsernameAttributes": ["email"],
            "AliasAttributes": Match.absent(),
            "UsernameConfiguration": {"CaseSensitive": False},
            # Only email is required; no custom attributes (they can never be removed).
            "Schema": [{"Name": "email", "Required": True, "Mutable": True}],
            "AutoVerifiedAttributes": ["email"],
            # The original email stays until the new one is verified.
            "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        },
    )


def test_password_policy_and_recovery(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        POOL,
        {
            "Policies": {
                "PasswordPolicy": Match.object_like(
                    {
                        "MinimumLength": 12,
                        "RequireLowercase": True,
                        "RequireUppercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                        "TemporaryPasswordValidityDays": 7,
                    }
                )
            },
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
        },
    )


def test_self_sign_up_follows_config(synth: Synth) -> None:
    admin_only = not synth.config.sign_up.self_sign_up
    synth.template("Auth").has_resource_properties(
        POOL, {"AdminCreateUserConfig": Match.object_like({"AllowAdminCreateUserOnly": admin_only})}
    )


def test_dev_uses_essentials_cognito_email_totp_and_may_be_destroyed(dev: Synth) -> None:
    props = pool_props(dev)
    assert props["UserPoolTier"] == "ESSENTIALS"
    assert "UserPoolAddOns" not in props
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["EmailConfiguration"] == {"EmailSendingAccount": "COGNITO_DEFAULT"}
    assert props["DeletionProtection"] == "INACTIVE"
    dev.template("Auth").has_resource(POOL, {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
    assert "SmsConfiguration" not in props


def test_prod_uses_plus_with_full_threat_protection_ses_and_is_retained(prod: Synth) -> None:
    props = pool_props(prod)
    assert props["UserPoolTier"] == "PLUS"
    # Threat protection through the feature plan, full-function mode.
    assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert props["DeletionProtection"] == "ACTIVE"
    prod.template("Auth").has_resource(POOL, {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    assert props["EmailConfiguration"] == {
        "EmailSendingAccount": "DEVELOPER",
        "From": "Your Company <no-reply@your-company.example>",
        "SourceArn": {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":ses:eu-west-1:", {"Ref": "AWS::AccountId"},
                              ":identity/your-company.example"]]
        },
    }  # fmt: skip


def test_passkeys_and_email_otp_are_first_factors_when_enabled(prod: Synth, dev: Synth) -> None:
    props = pool_props(prod)
    assert props["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]}
    assert props["WebAuthnRelyingPartyID"] == {"Fn::Join": ["", ["your-company-login.auth.", {"Ref": "AWS::Region"},
                                                                 ".amazoncognito.com"]]}  # fmt: skip
    assert props["WebAuthnUserVerification"] == "preferred"
    assert "SignInPolicy" not in pool_props(dev)["Policies"]


def test_sms_mfa_uses_a_retained_role_scoped_by_external_id(full: Synth) -> None:
    props = pool_props(full)
    assert sorted(props["EnabledMfas"]) == ["EMAIL_OTP", "SMS_MFA", "SOFTWARE_TOKEN_MFA"]
    role_id = props["SmsConfiguration"]["SnsCallerArn"]["Fn::GetAtt"][0]
    assert props["SmsConfiguration"]["ExternalId"] == "cognito-ref-full"
    role = full.templates["Auth"]["Resources"][role_id]
    # The external ID Cognito sends, and only on behalf of this account's user pools (confused deputy;
    # the exact pool ARN would be a cycle: the pool names the role).
    assert Stacks(full.templates).resolve("Auth", role["Properties"]["AssumeRolePolicyDocument"]["Statement"]) == [
        {
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"sts:ExternalId": "cognito-ref-full", "aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/*"},
            },
            "Effect": "Allow",
            "Principal": {"Service": "cognito-idp.amazonaws.com"},
        }
    ]
    # The full profile may be destroyed; the role follows the pool's removal policy.
    assert role["DeletionPolicy"] == full.templates["Auth"]["Resources"]["UserPool"]["DeletionPolicy"]


def test_never_the_deprecated_advanced_security_switch_without_plus(dev: Synth) -> None:
    # Threat protection needs PLUS; the ESSENTIALS pool carries no add-ons at all.
    assert "UserPoolAddOns" not in pool_props(dev)


def test_waf_protects_the_pool_when_enabled(prod: Synth, dev: Synth) -> None:
    template = prod.template("Auth")
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "DefaultAction": {"Allow": {}},
            "Rules": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "rate-limit-per-ip",
                            "Action": {"Block": {}},
                            "Statement": {"RateBasedStatement": {"Limit": 300, "AggregateKeyType": "IP"}},
                        }
                    )
                ]
            ),
        },
    )
    template.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation", {"ResourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]}}
    )
    resources = prod.templates["Auth"]["Resources"]
    acl_id = next(k for k, r in resources.items() if r["Type"] == "AWS::WAFv2::WebACL")
    log_group_id = next(k for k, r in resources.items() if k.startswith("WafLogs"))
    assert resources[log_group_id]["Properties"]["RetentionInDays"] == 365
    (logging,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration"]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    # The plain log-group ARN: WAF rejects the ":*" form.
    assert logging["LogDestinationConfigs"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":logs:", {"Ref": "AWS::Region"}, ":",
                           {"Ref": "AWS::AccountId"}, ":log-group:", {"Ref": log_group_id}]]}
    ]  # fmt: skip
    dev.template("Auth").resource_count_is("AWS::WAFv2::WebACL", 0)


def test_waf_log_group_name_is_new_for_every_stack_instance(prod: Synth) -> None:
    # Production retains the group: a fixed name made the deploy after `make destroy FORCE=1` fail
    # with "already exists". WAF requires the aws-waf-logs- prefix (docs/decisions/0009).
    (name,) = [r["Properties"]["LogGroupName"] for k, r in prod.templates["Auth"]["Resources"].items()
               if k.startswith("WafLogs")]  # fmt: skip
    first = Stacks(prod.templates, Env(stack_uuid="1f2e3d4c-5b6a-4789-8abc-def012345678")).resolve("Auth", name)
    again = Stacks(prod.templates, Env(stack_uuid="9a8b7c6d-5e4f-4321-8fed-cba987654321")).resolve("Auth", name)
    assert (first, again) == ("aws-waf-logs-cognito-ref-prod-1f2e3d4c", "aws-waf-logs-cognito-ref-prod-9a8b7c6d")


def test_prefix_domain_uses_managed_login_v2(dev: Synth) -> None:
    dev.template("Auth").has_resource_properties(
        "AWS::Cognito::UserPoolDomain",
        {"Domain": "myapp-dev-login", "ManagedLoginVersion": 2, "CustomDomainConfig": Match.absent()},
    )


def test_custom_domain_with_certificate_and_alias_record(full: Synth) -> None:
    template = full.template("Auth")
    template.has_resource_properties(
        "AWS::Cognito::UserPoolDomain",
        {
            "Domain": "login.your-company.example",
            "ManagedLoginVersion": 2,
            "CustomDomainConfig": {
                "CertificateArn": full.config.domain.certificate_arn,
            },
        },
    )
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Name": "login.your-company.example.",
            "Type": "A",
            "HostedZoneId": "Z0123456789ABCDEFGHIJ",
            "AliasTarget": Match.object_like({"DNSName": {"Fn::GetAtt": ["Domain", "CloudFrontDistribution"]}}),
        },
    )


def test_every_oauth_client_has_managed_login_branding(synth: Synth) -> None:
    resources = synth.templates["Auth"]["Resources"]
    oauth_user_clients = {
        logical_id
        for logical_id, r in resources.items()
        if r["Type"] == "AWS::Cognito::UserPoolClient" and "code" in r["Properties"].get("AllowedOAuthFlows", [])
    }
    branded = {
        r["Properties"]["ClientId"]["Ref"]
        for r in resources.values()
        if r["Type"] == "AWS::Cognito::ManagedLoginBranding" and r["Properties"]["UseCognitoProvidedValues"] is True
    }
    assert oauth_user_clients == branded == {"WebClient", "NativeClient"}


def test_groups_from_config_each_with_its_own_role(synth: Synth) -> None:
    resources = synth.templates["Auth"]["Resources"]
    groups = {
        r["Properties"]["GroupName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    assert {name: g["Precedence"] for name, g in groups.items()} == {"admins": 0, "users": 10}
    role_ids = {g["RoleArn"]["Fn::GetAtt"][0] for g in groups.values()}
    assert len(role_ids) == len(groups)
    assert all(resources[r]["Type"] == "AWS::IAM::Role" for r in role_ids)


def test_resource_server_defines_the_api_scopes(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        "AWS::Cognito::UserPoolResourceServer",
        {
            "Identifier": synth.config.resource_server_identifier,
            "Scopes": [
                {"ScopeName": name, "ScopeDescription": Match.any_value()}
                for name in (
                    "profile.read",
                    "files.read",
                    "files.write",
                    "notes.read",
                    "notes.write",
                    "account.delete",
                    "admin",
                )
            ],
        },
    )


def test_federation_providers_with_secrets_from_secrets_manager(full: Synth) -> None:
    resources = full.templates["Auth"]["Resources"]
    providers = {
        r["Properties"]["ProviderName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Cognito::UserPoolIdentityProvider"
    }
    assert {name: p["ProviderType"] for name, p in providers.items()} == {
        "Google": "Google",
        "Facebook": "Facebook",
        "SignInWithApple": "SignInWithApple",
        "Okta": "OIDC",
        "AzureAD": "SAML",
    }
    secret_refs = {
        "Google": ("client_secret", "cognito-ref/google-client-secret"),
        "Facebook": ("client_secret", "cognito-ref/facebook-app-secret"),
        "SignInWithApple": ("private_key", "cognito-ref/apple-private-key"),
        "Okta": ("client_secret", "cognito-ref/okta-client-secret"),
    }
    for name, (key, secret) in secret_refs.items():
        # A dynamic reference resolved by CloudFormation at deploy time: never the secret itself.
        assert providers[name]["ProviderDetails"][key] == f"{{{{resolve:secretsmanager:{secret}:SecretString:::}}}}"
    for name in ("Google", "SignInWithApple", "Okta"):
        assert providers[name]["AttributeMapping"] == {
            "email": "email",
            "email_verified": "email_verified",
            "name": "name",
        }
    assert providers["AzureAD"]["ProviderDetails"]["MetadataURL"].startswith("https://login.microsoftonline.com/")
    assert providers["AzureAD"]["AttributeMapping"]["email"].endswith("/claims/emailaddress")


def test_web_client_offers_every_configured_provider(full: Synth, dev: Synth) -> None:
    full.template("Auth").has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "ClientName": "cognito-ref-full-web",
            # Refs to the providers (their names), which also orders creation after them.
            "SupportedIdentityProviders": ["COGNITO"]
            + [
                {"Ref": f"IdentityProvider{name}"}
                for name in ("Google", "Facebook", "Apple", "OidcOkta", "SamlAzureAD")
            ],
        },
    )
    dev.template("Auth").has_resource_properties(
        "AWS::Cognito::UserPoolClient", {"ClientName": "cognito-ref-dev-web", "SupportedIdentityProviders": ["COGNITO"]}
    )
    dev.template("Auth").resource_count_is("AWS::Cognito::UserPoolIdentityProvider", 0)


def test_outputs_have_fixed_names_and_no_secret(synth: Synth) -> None:
    outputs = synth.templates["Auth"]["Outputs"]
    expected = {
        "UserPoolId", "UserPoolArn", "WebClientId", "NativeClientId", "ServiceClientId", "ManagedLoginBaseUrl",
        "Issuer", "JwksUrl", "AuthorizeEndpoint", "TokenEndpoint", "ResourceServerIdentifier", "IdentityPoolId",
        "DataBucketName", "Region", "AlarmTopicArn",
    }  # fmt: skip
    assert expected <= set(outputs)
    assert "ClientSecret" not in str(outputs)
    assert outputs["Issuer"]["Value"] == {
        "Fn::Join": ["", ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".amazonaws.com/", {"Ref": "UserPool"}]]
    }
    assert outputs["JwksUrl"]["Value"]["Fn::Join"][1][-1] == "/.well-known/jwks.json"
    assert "ApiUrl" in synth.templates["Api"]["Outputs"]


def test_web_client_may_write_every_attribute_the_providers_map(full: Synth) -> None:
    # Cognito writes mapped attributes through the client at every federated sign-in and fails the
    # sign-in when the client may not write one of them.
    resources = full.templates["Auth"]["Resources"]
    mapped = {
        attribute
        for r in resources.values()
        if r["Type"] == "AWS::Cognito::UserPoolIdentityProvider"
        for attribute in r["Properties"]["AttributeMapping"]
    }
    assert mapped == {"email", "email_verified", "name"}
    assert mapped <= set(resources["WebClient"]["Properties"]["WriteAttributes"])
