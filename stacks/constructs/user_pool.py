"""The Cognito user pool: sign-in identifiers, password and MFA policy, feature plan, email.

Several settings here can never change after the first deploy (username attributes, case
sensitivity, required and custom attributes). The README lists them; the destructive-change guard
fails CI when one changes.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.nag import acknowledge

# LITE is rejected by the config model (docs/decisions/0005).
_FEATURE_PLANS = {
    "ESSENTIALS": cognito.FeaturePlan.ESSENTIALS,
    "PLUS": cognito.FeaturePlan.PLUS,
}
_THREAT_PROTECTION = {
    "AUDIT": cognito.StandardThreatProtectionMode.AUDIT_ONLY,
    "ENFORCED": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
}
_MFA = {"OFF": cognito.Mfa.OFF, "OPTIONAL": cognito.Mfa.OPTIONAL, "REQUIRED": cognito.Mfa.REQUIRED}


def removal_policy(config: AppConfig) -> cdk.RemovalPolicy:
    """Stateful resources are retained unless the profile explicitly allows destroying them."""
    return cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY


def login_domain_name(config: AppConfig) -> str:
    """The managed login host, computed from config (not from the domain resource).

    Trigger functions and the pool's passkey settings need it, and referencing the domain resource
    from them would create a dependency cycle (domain -> pool -> trigger -> domain).
    """
    if config.domain.custom_domain:
        return config.domain.custom_domain
    assert config.domain.cognito_prefix is not None  # exactly one of the two (config model)
    return names.cognito_prefix_domain(config.domain.cognito_prefix, cdk.Aws.REGION)


class UserPool(Construct):
    """The user pool itself. Its logical ID is pinned: never let it move."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        mfa = config.mfa
        self.sms_role = self._sms_role(config) if mfa.sms else None
        self.user_pool = cognito.UserPool(
            self,
            "Resource",
            user_pool_name=f"{config.prefix}-users",
            feature_plan=_FEATURE_PLANS[config.feature_plan],
            standard_threat_protection_mode=_THREAT_PROTECTION.get(config.threat_protection),
            # Sign-in identifiers: email as the username, case-insensitive. Immutable.
            sign_in_aliases=cognito.SignInAliases(email=True, username=False, phone=False),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
            ),
            self_sign_up_enabled=config.sign_up.self_sign_up,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            user_verification=cognito.UserVerificationConfig(email_style=cognito.VerificationEmailStyle.CODE),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(7),
                password_history_size=5,
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=_MFA[mfa.mode],
            mfa_second_factor=(
                cognito.MfaSecondFactor(otp=mfa.totp, sms=mfa.sms, email=mfa.email) if mfa.mode != "OFF" else None
            ),
            sms_role=self.sms_role,
            sms_role_external_id=config.prefix if self.sms_role else None,
            sign_in_policy=cognito.SignInPolicy(
                allowed_first_auth_factors=cognito.AllowedFirstAuthFactors(
                    password=True, passkey=config.sign_in.passkeys, email_otp=config.sign_in.email_otp
                )
            )
            if config.passwordless
            else None,
            # Passkeys are bound to this ID (a change invalidates them; the guard catches it).
            passkey_relying_party_id=(config.sign_in.passkey_relying_party_id or login_domain_name(config))
            if config.sign_in.passkeys
            else None,
            passkey_user_verification=(
                cognito.PasskeyUserVerification.REQUIRED
                if config.sign_in.passkey_user_verification == "required"
                else cognito.PasskeyUserVerification.PREFERRED
            )
            if config.sign_in.passkeys
            else None,
            email=self._email(config),
            deletion_protection=config.retain,
            removal_policy=removal_policy(config),
        )
        cfn = self.user_pool.node.default_child
        assert isinstance(cfn, cognito.CfnUserPool)
        cfn.override_logical_id(names.USER_POOL)
        if config.feature_plan != "PLUS":
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG8",
                f"Profile {config.profile} chooses {config.feature_plan}; threat protection needs PLUS (prod uses it).",
            )
        if mfa.mode != "REQUIRED":
            acknowledge(
                self.user_pool,
                "AwsSolutions-COG2",
                f"MFA is {mfa.mode} by profile choice: users enrol TOTP themselves; passkeys are phishing-resistant.",
            )

    @staticmethod
    def _email(config: AppConfig) -> cognito.UserPoolEmail:
        email = config.email
        if email.sender == "cognito":
            return cognito.UserPoolEmail.with_cognito(email.reply_to)
        assert email.from_address is not None  # enforced by the config model
        return cognito.UserPoolEmail.with_ses(
            from_email=email.from_address,
            from_name=email.from_name,
            reply_to=email.reply_to,
            ses_region=email.ses_region,
            ses_verified_domain=email.ses_verified_domain,
            configuration_set_name=email.configuration_set,
        )

    def _sms_role(self, config: AppConfig) -> iam.Role:
        """SNS role for SMS; retained with the pool, because the pool keeps pointing at it.

        Trusted by Cognito only with the external ID the pool sends and on behalf of user pools of
        this account and region (Cognito Developer Guide, "SMS message settings for Amazon Cognito
        user pools"; IAM User Guide, "The confused deputy problem"). Not this pool's exact ARN: the
        pool refers to the role, so the role cannot refer to the pool.
        """
        stack = cdk.Stack.of(self)
        role = iam.Role(
            self,
            "SmsRole",
            assumed_by=iam.ServicePrincipal(
                "cognito-idp.amazonaws.com",
                conditions={
                    "StringEquals": {"sts:ExternalId": config.prefix, "aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(service="cognito-idp", resource="userpool", resource_name="*")
                    },
                },
            ),
            inline_policies={
                "sns": iam.PolicyDocument(statements=[iam.PolicyStatement(actions=["sns:Publish"], resources=["*"])])
            },
        )
        role.apply_removal_policy(removal_policy(config))
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Cognito sends SMS by publishing to phone numbers, which have no ARN; sns:Publish needs *.",
        )
        return role
