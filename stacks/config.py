"""The typed, per-environment configuration.

`config/<profile>.yaml` is parsed once (by `app.py` or the tests) into the frozen `AppConfig`
model and handed to the stacks as constructor arguments. Constructs never read the environment or
CDK context. Invalid configuration raises `ConfigError` with every problem at once, one line each,
naming the file, the line in it and the key (`config/dev.yaml:42: tokens.access_minutes: ...`).

Run `python -m stacks.config <profile>` to validate a profile without synthesizing.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from stacks import names, regions
from stacks.config_yaml import YamlDocument, parse_yaml
from stacks.suggest import did_you_mean

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Managed login prefix domains may not contain these words (Cognito rejects them at deploy).
_RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_FORBIDDEN_SCHEMES = ("javascript", "data", "file", "vbscript", "about", "blob")
# CloudFormation schema maxLength of AWS::Cognito::UserPoolDomain.Domain and
# AWS::Cognito::UserPool.WebAuthnRelyingPartyID.
MAX_DOMAIN = 63
MAX_RELYING_PARTY_ID = 63

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
ProviderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")]
SecretName = Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$")]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ConfigError(Exception):
    """Invalid configuration: one line per problem, each naming the key (`str()` joins them)."""

    def __init__(self, *lines: str) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_https_url(url: str, *, allow_localhost_http: bool) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "http":
        if not (allow_localhost_http and parts.netloc.split(":")[0].lower() in _LOCAL_HOSTS):
            raise ValueError(f"{url!r}: http is allowed only for localhost (in non-production)")
    elif parts.scheme != "https":
        raise ValueError(f"{url!r}: must be an absolute https URL")
    if not host:
        raise ValueError(f"{url!r}: has no host")
    if host == "example.com" or host.endswith(".example.com"):
        raise ValueError(f"{url!r}: is the CDK placeholder domain example.com; set your app's URL")
    return url


def check_redirect_url(url: str, *, allow_localhost_http: bool, allow_custom_scheme: bool) -> str:
    """Validate an OAuth callback or sign-out URL: exact, no wildcard, no fragment."""
    if "*" in url:
        raise ValueError(f"{url!r}: wildcards are not allowed in redirect URLs")
    if "#" in url:
        raise ValueError(f"{url!r}: fragments are not allowed in redirect URLs")
    if any(c.isspace() for c in url):
        raise ValueError(f"{url!r}: contains whitespace")
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return _check_https_url(url, allow_localhost_http=allow_localhost_http)
    if not allow_custom_scheme:
        raise ValueError(f"{url!r}: must be an absolute https URL")
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", scheme) or scheme in _FORBIDDEN_SCHEMES:
        raise ValueError(f"{url!r}: not a valid app URL scheme")
    if not url.startswith(f"{scheme}://") or len(url) <= len(scheme) + 3:
        raise ValueError(f"{url!r}: custom-scheme URLs look like myapp://callback")
    return url


class ClientUrls(_Model):
    """Where the managed login may redirect a client after sign-in and sign-out."""

    callback_urls: list[str] = Field(min_length=1, max_length=100)
    logout_urls: list[str] = Field(default_factory=list, max_length=100)


class ServiceClient(_Model):
    """Confidential machine-to-machine client (client_credentials)."""

    enabled: bool = True
    scopes: list[str] = Field(default_factory=lambda: [names.SCOPE_PROFILE_READ], min_length=1)


class Clients(_Model):
    web: ClientUrls
    native: ClientUrls | None = None
    service: ServiceClient = ServiceClient()


class Domain(_Model):
    """Managed login domain: a Cognito prefix domain, or a custom domain with an ACM certificate."""

    cognito_prefix: str | None = Field(default=None, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
    custom_domain: str | None = Field(
        default=None, max_length=MAX_DOMAIN, pattern=r"^(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}$"
    )
    certificate_arn: str | None = None
    hosted_zone_id: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]{1,31}$")
    hosted_zone_name: str | None = None

    @field_validator("cognito_prefix")
    @classmethod
    def _no_reserved_words(cls, value: str | None) -> str | None:
        for word in _RESERVED_DOMAIN_WORDS:
            if value and word in value:
                raise ValueError(f"Cognito prefix domains may not contain {word!r}")
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate_in_us_east_1(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}", value
        ):
            raise ValueError("must be an ACM certificate ARN in us-east-1 (managed login uses CloudFront)")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Domain:
        if (self.cognito_prefix is None) == (self.custom_domain is None):
            raise ValueError("set exactly one of cognito_prefix or custom_domain")
        if self.custom_domain and not self.certificate_arn:
            raise ValueError("custom_domain needs certificate_arn")
        if (self.hosted_zone_id is None) != (self.hosted_zone_name is None):
            raise ValueError("hosted_zone_id and hosted_zone_name go together")
        if self.hosted_zone_id and not self.custom_domain:
            raise ValueError("a hosted zone is only used with custom_domain")
        return self


class Mfa(_Model):
    mode: Literal["OFF", "OPTIONAL", "REQUIRED"] = "OPTIONAL"
    totp: bool = True
    sms: bool = False
    email: bool = False

    @model_validator(mode="after")
    def _factor_when_on(self) -> Mfa:
        if self.mode != "OFF" and not (self.totp or self.sms or self.email):
            raise ValueError(f"mode {self.mode} needs at least one of totp, sms, email")
        return self


class SignIn(_Model):
    """First factors for choice-based sign-in (ALLOW_USER_AUTH). Passwords are always allowed."""

    passkeys: bool = False
    email_otp: bool = False
    passkey_user_verification: Literal["required", "preferred"] = "preferred"
    # NEVER CHANGE once users registered passkeys: they are bound to it. Default: the login domain.
    passkey_relying_party_id: str | None = Field(
        default=None, max_length=MAX_RELYING_PARTY_ID, pattern=r"^(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}$"
    )


class Email(_Model):
    sender: Literal["cognito", "ses"] = "cognito"
    from_address: EmailAddress | None = None
    from_name: str | None = Field(default=None, max_length=64)
    reply_to: EmailAddress | None = None
    ses_region: str | None = None
    ses_verified_domain: str | None = None
    configuration_set: str | None = None

    @field_validator("ses_region")
    @classmethod
    def _ses_region(cls, value: str | None) -> str | None:
        return value if value is None else regions.check_region(value, regions.SES, "Amazon SES")

    @model_validator(mode="after")
    def _ses_needs_identity(self) -> Email:
        if self.sender == "ses" and not self.from_address:
            raise ValueError("sender ses needs from_address (a verified SES identity)")
        if self.sender == "cognito" and (self.from_address or self.ses_verified_domain):
            raise ValueError("from_address and ses_verified_domain apply only to sender ses")
        return self


class SignUp(_Model):
    self_sign_up: bool = True
    allowed_email_domains: list[str] = Field(default_factory=list)
    blocked_email_domains: list[str] = Field(default_factory=list)

    @field_validator("allowed_email_domains", "blocked_email_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        normalised = []
        for value in values:
            try:
                ascii_domain = value.strip().lower().encode("idna").decode("ascii")
            except UnicodeError as error:
                raise ValueError(f"{value!r} is not a valid domain") from error
            if not re.fullmatch(r"(?:[a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}", ascii_domain):
                raise ValueError(f"{value!r} is not a valid domain")
            normalised.append(ascii_domain)
        return normalised


class Tokens(_Model):
    """Token lifetimes. Cognito allows 5 min-1 day for access/ID; this project caps them at 60 min."""

    access_minutes: int = Field(default=60, ge=5, le=60)
    id_minutes: int = Field(default=60, ge=5, le=60)
    refresh_days: int = Field(default=30, ge=1, le=3650)
    auth_session_minutes: int = Field(default=3, ge=3, le=15)
    customise_access_token: bool = True
    # Dropping aws.cognito.signin.user.admin also disables the self-service APIs (change password,
    # TOTP enrolment, passkey registration): only for apps that use none of them.
    remove_admin_api_scope: bool = False


class Group(_Model):
    name: Name
    precedence: int = Field(ge=0, le=2**31 - 1)
    description: str = Field(default="", max_length=2048)
    scopes: list[str] = Field(default_factory=list)
    # Storage grants of the group's identity-pool role, beyond the caller's own prefix and partition:
    # read every user's files (S3) and every user's records (DynamoDB), never write them.
    read_all_private: bool = False
    read_all_records: bool = False


class Google(_Model):
    client_id: str = Field(min_length=1)
    client_secret_name: SecretName
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])


class Facebook(_Model):
    client_id: str = Field(min_length=1)
    client_secret_name: SecretName
    api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    scopes: list[str] = Field(default_factory=lambda: ["public_profile", "email"])


class Apple(_Model):
    services_id: str = Field(min_length=1)
    team_id: str = Field(pattern=r"^[A-Z0-9]{10}$")
    key_id: str = Field(pattern=r"^[A-Z0-9]{10}$")
    private_key_secret_name: SecretName
    scopes: list[str] = Field(default_factory=lambda: ["email", "name"])


class Oidc(_Model):
    name: ProviderName
    issuer_url: str
    client_id: str = Field(min_length=1)
    client_secret_name: SecretName
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"])

    @field_validator("issuer_url")
    @classmethod
    def _https(cls, value: str) -> str:
        return _check_https_url(value, allow_localhost_http=False)


class Saml(_Model):
    name: ProviderName
    metadata_url: str | None = None
    metadata_file: str | None = None

    @model_validator(mode="after")
    def _metadata(self) -> Saml:
        if (self.metadata_url is None) == (self.metadata_file is None):
            raise ValueError("set exactly one of metadata_url or metadata_file")
        if self.metadata_url:
            _check_https_url(self.metadata_url, allow_localhost_http=False)
        return self


class Federation(_Model):
    google: Google | None = None
    facebook: Facebook | None = None
    apple: Apple | None = None
    oidc: list[Oidc] = Field(default_factory=list)
    saml: list[Saml] = Field(default_factory=list)

    def provider_names(self) -> list[str]:
        """Cognito provider names, in a stable order."""
        fixed = [
            n for n, p in (("Google", self.google), ("Facebook", self.facebook), ("SignInWithApple", self.apple)) if p
        ]
        return fixed + [p.name for p in self.oidc] + [p.name for p in self.saml]


class Uploads(_Model):
    content_types: list[Annotated[str, Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]] = Field(min_length=1)
    max_bytes: int = Field(ge=1, le=5 * 1024**3)


class Storage(_Model):
    authenticated_public_read: bool = False


class Records(_Model):
    """The per-user table (DynamoDB): one partition per user-pool `sub`."""

    # Point-in-time recovery keeps every change this many days (DynamoDB allows 1-35): an erased account's
    # records stay restorable from these backups until the period has passed (docs/decisions/0017).
    recovery_period_days: int = Field(default=35, ge=1, le=35)


class Identity(_Model):
    allow_guests: bool = False
    guest_public_read: bool = False

    @model_validator(mode="after")
    def _guest_grant_needs_guests(self) -> Identity:
        if self.guest_public_read and not self.allow_guests:
            raise ValueError("guest_public_read needs allow_guests")
        return self


class Api(_Model):
    throttle_rate_limit: float = Field(default=50, gt=0, le=10000)
    throttle_burst_limit: int = Field(default=100, gt=0, le=5000)


class Waf(_Model):
    enabled: bool = False
    rate_limit_per_5_minutes: int = Field(default=300, ge=10, le=2_000_000_000)


class Web(_Model):
    """The browser client (web/), hosted by the stack: a private bucket behind CloudFront (docs/web.md)."""

    enabled: bool = False


class Migration(_Model):
    """Lazy migration from an old user pool of this account: the UserMigration trigger moves each user at their
    first sign-in or password reset (docs/operations.md, decision 13)."""

    source_user_pool_id: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[0-9a-zA-Z]+$")
    # An app client of the old pool with ALLOW_ADMIN_USER_PASSWORD_AUTH and no secret.
    source_client_id: str = Field(pattern=r"^[\w+]{1,128}$")
    # SDK sign-in must send the password for the trigger to check it (SRP never does): adds
    # ALLOW_USER_PASSWORD_AUTH to the web and native clients while the migration runs. Managed login needs no change.
    sdk_password_sign_in: bool = False

    @field_validator("source_user_pool_id")
    @classmethod
    def _source_region_has_cognito(cls, value: str) -> str:
        regions.check_region(value.split("_", 1)[0])
        return value

    @property
    def source_region(self) -> str:
        return self.source_user_pool_id.split("_", 1)[0]


class AppConfig(_Model):
    """Everything a profile may set. Field docs double as the README's configuration table."""

    profile: str
    prefix: str = Field(pattern=r"^[a-z][a-z0-9-]{1,24}[a-z0-9]$")
    production: bool = False
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str | None = None
    removal: Literal["retain", "destroy"] = "retain"
    log_retention_days: int = 30
    alarm_email: EmailAddress | None = None
    # LITE is listed so that choosing it gets the reason it is rejected, not a bare "invalid value".
    feature_plan: Literal["LITE", "ESSENTIALS", "PLUS"] = "ESSENTIALS"
    threat_protection: Literal["OFF", "AUDIT", "ENFORCED"] = "OFF"
    domain: Domain
    resource_server_identifier: str = Field(pattern=r"^[\x21-\x7e]{1,256}$")
    clients: Clients
    groups: list[Group] = Field(min_length=1)
    default_group: str = names.USERS_GROUP
    sign_up: SignUp = SignUp()
    sign_in: SignIn = SignIn()
    mfa: Mfa = Mfa()
    email: Email = Email()
    tokens: Tokens = Tokens()
    federation: Federation = Federation()
    cors_origins: list[str] = Field(default_factory=list)
    uploads: Uploads
    storage: Storage = Storage()
    records: Records = Records()
    identity: Identity = Identity()
    api: Api = Api()
    waf: Waf = Waf()
    web: Web = Web()
    migration: Migration | None = None
    # Lambda SnapStart for the API and the sign-up triggers (pre sign-up, post confirmation): each runs as an
    # alias of a published version restored from a snapshot (decision 15; caching and restores are billed).
    snapstart: bool = False

    @field_validator("region")
    @classmethod
    def _cognito_region(cls, value: str | None) -> str | None:
        return value if value is None else regions.check_region(value)

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not a CloudWatch Logs retention period {LOG_RETENTION_DAYS}")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> AppConfig:
        problems = _check_rules(self)
        if problems:
            # Every broken rule, not only the first: parse_config turns each into its own line.
            raise PydanticCustomError(_RULES_FAILED, "{count} configuration rules failed", {
                "count": len(problems), "problems": problems,
            })  # fmt: skip
        return self

    # Derived values used by several constructs.
    @property
    def retain(self) -> bool:
        return self.removal == "retain"

    @property
    def passwordless(self) -> bool:
        return self.sign_in.passkeys or self.sign_in.email_otp

    def group_scopes(self) -> dict[str, list[str]]:
        return {group.name: list(group.scopes) for group in self.groups}


# -- cross-field rules ---------------------------------------------------------------------------
# Each rule yields every Problem it finds. A rule reads the config only through attributes, so when
# some keys are invalid the rules that do not read them still run (see `_Partial`).


@dataclass(frozen=True)
class Problem:
    key: str  # dotted path, e.g. "clients.web.callback_urls.0"
    reason: str


Rule = Callable[[AppConfig], Iterator[Problem]]
_RULES: list[Rule] = []
_RULES_FAILED = "config_rules"


def _rule(function: Rule) -> Rule:
    _RULES.append(function)
    return function


def _checked(key: str, check: Callable[..., object], *args: Any, **kwargs: Any) -> Iterator[Problem]:
    try:
        check(*args, **kwargs)
    except ValueError as error:
        yield Problem(key, str(error))


@_rule
def _redirect_urls(c: AppConfig) -> Iterator[Problem]:
    for client_name in ("web", "native"):
        urls: ClientUrls | None = getattr(c.clients, client_name)
        for kind in ("callback_urls", "logout_urls"):
            for i, url in enumerate(getattr(urls, kind) if urls else []):
                yield from _checked(
                    f"clients.{client_name}.{kind}.{i}",
                    check_redirect_url,
                    url,
                    allow_localhost_http=not c.production,
                    allow_custom_scheme=client_name == "native",
                )


@_rule
def _cors(c: AppConfig) -> Iterator[Problem]:
    for i, origin in enumerate(c.cors_origins):
        yield from _checked(f"cors_origins.{i}", _check_origin, origin, allow_localhost_http=not c.production)


@_rule
def _production(c: AppConfig) -> Iterator[Problem]:
    if not c.production:
        return
    if c.removal == "destroy":
        yield Problem("removal", "destroy is not allowed in production (it deletes every user)")
    if c.email.sender != "ses":
        yield Problem("email.sender", "production needs ses (Cognito's default sender allows ~50 mails a day)")
    if c.sign_up.self_sign_up and not c.waf.enabled:
        yield Problem("waf.enabled", "public self sign-up in production needs the WAF on the user pool")


@_rule
def _feature_plan(c: AppConfig) -> Iterator[Problem]:
    if c.feature_plan == "LITE":
        # docs/decisions/0005: the API's scopes need access-token customisation, and managed login
        # v2 with branding does not exist on LITE ("the classic hosted UI is your only option").
        yield Problem(
            "feature_plan",
            "LITE is not supported: the API needs access-token customisation and the stacks use "
            "managed login v2, neither of which LITE has; use ESSENTIALS (docs/decisions/0005)",
        )
    if c.threat_protection != "OFF" and c.feature_plan != "PLUS":
        yield Problem("threat_protection", "threat protection needs feature_plan PLUS")


@_rule
def _sign_in(c: AppConfig) -> Iterator[Problem]:
    if c.passwordless and c.mfa.mode == "REQUIRED":
        yield Problem("sign_in", "passwordless first factors cannot be combined with mfa.mode REQUIRED")
    if (c.sign_in.email_otp or c.mfa.email) and c.email.sender != "ses":
        yield Problem("email.sender", "email OTP and email MFA need email.sender ses")
    if c.tokens.remove_admin_api_scope and (c.sign_in.passkeys or c.mfa.mode == "OPTIONAL"):
        yield Problem(
            "tokens.remove_admin_api_scope",
            "users could then not register passkeys or enrol MFA themselves; set it false",
        )


@_rule
def _passkey_relying_party_id(c: AppConfig) -> Iterator[Problem]:
    """Passkeys default to the login domain as relying-party ID, which Cognito caps at 63 characters."""
    if not c.sign_in.passkeys or c.sign_in.passkey_relying_party_id or c.domain.cognito_prefix is None:
        return
    region = c.region or "x" * regions.longest_region_name()  # unset: the longest region name
    host = names.cognito_prefix_domain(c.domain.cognito_prefix, region)
    if len(host) > MAX_RELYING_PARTY_ID:
        room = MAX_RELYING_PARTY_ID - (len(host) - len(c.domain.cognito_prefix))
        where = f"in {c.region}" if c.region else "in the region with the longest name (no region is set)"
        yield Problem(
            "domain.cognito_prefix",
            f"the passkey relying-party ID <prefix>.auth.<region>.amazoncognito.com would be {len(host)} "
            f"characters {where}; Cognito allows {MAX_RELYING_PARTY_ID}: use at most {room} characters "
            "or set sign_in.passkey_relying_party_id",
        )


@_rule
def _email_region(c: AppConfig) -> Iterator[Problem]:
    if c.email.sender == "ses" and not (c.email.ses_region or c.region):
        yield Problem("email.ses_region", "required with sender ses when the profile sets no region")


@_rule
def _groups(c: AppConfig) -> Iterator[Problem]:
    seen: set[str] = set()
    precedences: set[int] = set()
    for i, group in enumerate(c.groups):
        if group.name in seen:
            yield Problem(f"groups.{i}.name", f"duplicate group {group.name!r}")
        if group.precedence in precedences:
            # Equal precedence leaves cognito:preferred_role unset for members of both groups.
            yield Problem(f"groups.{i}.precedence", f"{group.precedence} is used by another group")
        seen.add(group.name)
        precedences.add(group.precedence)
        for j, scope in enumerate(group.scopes):
            if scope not in names.SCOPES:
                yield Problem(f"groups.{i}.scopes.{j}", f"unknown scope {scope!r}; known: {list(names.SCOPES)}")
            elif scope == names.SCOPE_ADMIN and group.name != names.ADMIN_GROUP:
                yield Problem(f"groups.{i}.scopes.{j}", f"scope admin is reserved for group {names.ADMIN_GROUP!r}")
    if names.ADMIN_GROUP not in seen:
        yield Problem("groups", f"group {names.ADMIN_GROUP!r} is required (the API's admin routes use it)")
    if c.default_group not in seen:
        yield Problem("default_group", f"{c.default_group!r} is not one of groups")
    elif c.default_group == names.ADMIN_GROUP:
        yield Problem("default_group", "every new user would become an admin")


@_rule
def _service_scopes(c: AppConfig) -> Iterator[Problem]:
    for i, scope in enumerate(c.clients.service.scopes):
        if scope not in names.SCOPES:
            yield Problem(f"clients.service.scopes.{i}", f"unknown scope {scope!r}; known: {list(names.SCOPES)}")
        elif scope in names.USER_ONLY_SCOPES:
            yield Problem(
                f"clients.service.scopes.{i}",
                f"{scope} acts for a signed-in user; client-credentials tokens have none (the API answers 403)",
            )


@_rule
def _read_all_grants(c: AppConfig) -> Iterator[Problem]:
    """Reading every user's data is for a few, named people: never for the group every new user joins."""
    for i, group in enumerate(c.groups):
        if group.name != c.default_group:
            continue
        for grant in ("read_all_private", "read_all_records"):
            if getattr(group, grant):
                yield Problem(
                    f"groups.{i}.{grant}",
                    f"{group.name} is the default group: every new user could read every user's data",
                )


class _UnavailableError(Exception):
    """A rule read a key that is itself invalid: the rule is skipped (that key's error is reported)."""


class _Partial:
    """The valid part of a profile whose other keys failed, for the rules that read only valid keys."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        derived = getattr(AppConfig, name, None)
        if isinstance(derived, property):  # computed from other keys, through this object
            return derived.fget(self)  # type: ignore[misc]
        if name in self._values:
            return self._values[name]
        raise _UnavailableError(name)


def _check_rules(config: AppConfig | _Partial) -> list[Problem]:
    problems: list[Problem] = []
    for rule in _RULES:
        try:
            problems.extend(rule(config))  # type: ignore[arg-type]
        except _UnavailableError:
            continue
    return problems


def _rules_on_valid_keys(data: dict[str, Any], invalid: set[str]) -> list[Problem]:
    """Run the rules on the keys that validated on their own, when others did not."""
    values: dict[str, Any] = {}
    for name, field in AppConfig.model_fields.items():
        if name in invalid:
            continue
        if name not in data:
            if not field.is_required():
                values[name] = field.get_default(call_default_factory=True)
            continue
        try:
            values[name] = _adapter(name).validate_python(data[name])
        except ValidationError:
            continue
    return _check_rules(_Partial(values))


@cache
def _adapter(field_name: str) -> TypeAdapter[Any]:
    annotation = AppConfig.model_fields[field_name].annotation
    assert annotation is not None
    return TypeAdapter(annotation)


# -- reading and reporting -----------------------------------------------------------------------


def _check_origin(origin: str, *, allow_localhost_http: bool) -> str:
    _check_https_url(origin, allow_localhost_http=allow_localhost_http)
    parts = urlsplit(origin)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "*" in origin:
        raise ValueError(f"{origin!r}: an origin is scheme://host[:port], no path or wildcard")
    return origin


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model whose keys live at `loc` (list indexes skipped), or None."""
    model: type[BaseModel] | None = AppConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        model = _model_in(field.annotation) if field else None
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `Model`, `Model | None` or `list[Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found:
            return found
    return None


def _unknown_key(loc: tuple[str | int, ...]) -> str:
    model = _model_at(loc[:-1])
    known = [name for name in model.model_fields if name != "profile"] if model else []
    suggestion = did_you_mean(str(loc[-1]), known)
    if suggestion:
        return f"unknown key; {suggestion}"
    return f"unknown key; known here: {', '.join(known)}" if known else "unknown key"


def _field_problem(error: ErrorDetails) -> Problem:
    loc = error["loc"]
    key = ".".join(str(part) for part in loc)
    kind, value = error["type"], error["input"]
    if kind == "extra_forbidden":
        return Problem(key, _unknown_key(loc))
    if kind == "missing":
        return Problem(key, "required key is missing")
    if kind in ("literal_error", "string_type") and isinstance(value, bool):
        # A YAML 1.1 reader turns unquoted OFF/ON/YES/NO into booleans (this project's reader does not).
        return Problem(
            key, f'got the boolean {str(value).lower()}: write the text in quotes, e.g. "OFF" ({error["msg"]})'
        )
    return Problem(key, error["msg"].removeprefix("Value error, ").replace("\n", " "))


def _problems(error: ValidationError, data: dict[str, Any]) -> list[Problem]:
    details = error.errors(include_url=False)
    problems: list[Problem] = []
    for detail in details:
        if detail["type"] == _RULES_FAILED:  # every field was valid; only rules failed
            problems.extend(detail["ctx"]["problems"])
        else:
            problems.append(_field_problem(detail))
    if any(detail["type"] != _RULES_FAILED for detail in details):
        invalid = {str(detail["loc"][0]) for detail in details if detail["loc"]}
        problems.extend(_rules_on_valid_keys(data, invalid))
    return problems


def _path(key: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in key.split("."))


def parse_config(
    raw: Any, *, profile: str, source: str | None = None, document: YamlDocument | None = None
) -> AppConfig:
    """Parse a profile's raw mapping; `ConfigError` with one line per problem, each naming the key.

    With the `document` it was read from, each line also gives the key's line in the file.
    """
    source = source or f"config/{profile}.yaml"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the file must hold a mapping of keys")
    problems = [
        Problem(".".join(map(str, dup.path)), f"written twice (lines {dup.first_line} and {dup.line}); the last wins")
        for dup in (document.duplicates if document else [])
    ]
    try:
        config = AppConfig.model_validate({**raw, "profile": profile})
    except ValidationError as error:
        problems.extend(_problems(error, raw))
    if problems:
        located = [(_line_of(problem, document), problem) for problem in problems]
        # In file order; problems with no line in the file (a missing key) last.
        located.sort(key=lambda item: item[0] or sys.maxsize)
        raise ConfigError(*(_format(source, line, problem) for line, problem in located))
    return config


def _line_of(problem: Problem, document: YamlDocument | None) -> int | None:
    return document.line(_path(problem.key)) if document and problem.key else None


def _format(source: str, line: int | None, problem: Problem) -> str:
    where = f"{source}:{line}" if line else source
    return f"{where}: {problem.key}: {problem.reason}" if problem.key else f"{where}: {problem.reason}"


def available_profiles(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(path.stem for path in config_dir.glob("*.yaml"))


def _source(profile: str, config_dir: Path) -> str:
    """How messages name the file: `config/<profile>.yaml`, or the full path of another folder's."""
    return f"config/{profile}.yaml" if config_dir == CONFIG_DIR else str(config_dir / f"{profile}.yaml")


def read_profile(profile: str, config_dir: Path = CONFIG_DIR) -> YamlDocument:
    """The parsed YAML of `config/<profile>.yaml`, with key lines; `ConfigError` on syntax errors."""
    path = config_dir / f"{profile}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9-]*", profile) or not path.is_file():
        raise ConfigError(f"ENV: unknown profile {profile!r}; known: {', '.join(available_profiles(config_dir))}")
    return read_yaml(path, _source(profile, config_dir))


def read_yaml(path: Path, source: str) -> YamlDocument:
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        what = " ".join(part for part in (error.context, error.problem) if part)
        raise ConfigError(f"{where}: YAML syntax error: {what}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: YAML error: {str(error).splitlines()[0]}") from None
    return document if document.data is not None else YamlDocument({}, document.lines, document.duplicates)


def load_raw(profile: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    data: dict[str, Any] = read_profile(profile, config_dir).data
    return data


def load_config(profile: str, config_dir: Path = CONFIG_DIR) -> AppConfig:
    """Read and validate `config/<profile>.yaml`."""
    document = read_profile(profile, config_dir)
    return parse_config(document.data, profile=profile, source=_source(profile, config_dir), document=document)


def report(error: ConfigError) -> None:
    """Print every problem, one line each (app.py and the CLI below)."""
    for line in error.lines:
        print(f"configuration error: {line}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """`python -m stacks.config [<profile>] [--config-dir DIR]`: validate a profile (`make synth` runs
    this first), every problem on its own line."""
    parser = argparse.ArgumentParser(prog="python -m stacks.config")
    parser.add_argument("profile", nargs="?", default="dev")
    parser.add_argument("--config-dir", type=Path, default=CONFIG_DIR)
    args = parser.parse_args(argv[1:])
    try:
        load_config(args.profile, args.config_dir)
    except ConfigError as error:
        report(error)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
