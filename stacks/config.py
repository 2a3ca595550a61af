"""The typed, per-environment configuration.

`config/<profile>.yaml` is parsed once (by `app.py` or the tests) into the frozen `AppConfig`
model and handed to the stacks as constructor arguments. Constructs never read the environment or
CDK context. Invalid configuration raises `ConfigError` with one line naming the key and reason.

Run `python -m stacks.config <profile>` to validate a profile without synthesizing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stacks import names

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

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
ProviderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")]
SecretName = Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$")]
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ConfigError(Exception):
    """Invalid configuration; the message is one line naming the key."""


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
    custom_domain: str | None = Field(default=None, pattern=r"^(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
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
    passkey_relying_party_id: str | None = Field(default=None, pattern=r"^(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}$")


class Email(_Model):
    sender: Literal["cognito", "ses"] = "cognito"
    from_address: EmailAddress | None = None
    from_name: str | None = Field(default=None, max_length=64)
    reply_to: EmailAddress | None = None
    ses_region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    ses_verified_domain: str | None = None
    configuration_set: str | None = None

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
    # Storage grants of the group's identity-pool role, beyond the caller's own prefix.
    read_all_private: bool = False


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


class Migration(_Model):
    """Lazy migration from an old user pool of this account: the UserMigration trigger moves each user at their
    first sign-in or password reset (docs/operations.md, decision 13)."""

    source_user_pool_id: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[0-9a-zA-Z]+$")
    # An app client of the old pool with ALLOW_ADMIN_USER_PASSWORD_AUTH and no secret.
    source_client_id: str = Field(pattern=r"^[\w+]{1,128}$")
    # SDK sign-in must send the password for the trigger to check it (SRP never does): adds
    # ALLOW_USER_PASSWORD_AUTH to the web and native clients while the migration runs. Managed login needs no change.
    sdk_password_sign_in: bool = False

    @property
    def source_region(self) -> str:
        return self.source_user_pool_id.split("_", 1)[0]


class AppConfig(_Model):
    """Everything a profile may set. Field docs double as the README's configuration table."""

    profile: str
    prefix: str = Field(pattern=r"^[a-z][a-z0-9-]{1,24}[a-z0-9]$")
    production: bool = False
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    removal: Literal["retain", "destroy"] = "retain"
    log_retention_days: int = 30
    alarm_email: EmailAddress | None = None
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
    identity: Identity = Identity()
    api: Api = Api()
    waf: Waf = Waf()
    migration: Migration | None = None

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not a CloudWatch Logs retention period {LOG_RETENTION_DAYS}")
        return value

    @model_validator(mode="after")
    def _cross_field_rules(self) -> AppConfig:  # noqa: C901 - a flat list of independent rules
        local_http = not self.production
        for client_name in ("web", "native"):
            urls: ClientUrls | None = getattr(self.clients, client_name)
            for kind in ("callback_urls", "logout_urls"):
                for i, url in enumerate(getattr(urls, kind) if urls else []):
                    _rule(
                        f"clients.{client_name}.{kind}.{i}",
                        check_redirect_url,
                        url,
                        allow_localhost_http=local_http,
                        allow_custom_scheme=client_name == "native",
                    )
        for i, origin in enumerate(self.cors_origins):
            _rule(f"cors_origins.{i}", _check_origin, origin, allow_localhost_http=local_http)
        if self.production and self.removal == "destroy":
            raise _KeyError("removal", "destroy is not allowed in production (it deletes every user)")
        if self.threat_protection != "OFF" and self.feature_plan != "PLUS":
            raise _KeyError("threat_protection", "threat protection needs feature_plan PLUS")
        if self.tokens.customise_access_token and self.feature_plan == "LITE":
            raise _KeyError(
                "tokens.customise_access_token",
                "access-token customisation (pre-token generation V2) needs ESSENTIALS or PLUS",
            )
        passwordless = self.sign_in.passkeys or self.sign_in.email_otp
        if passwordless and self.feature_plan == "LITE":
            raise _KeyError("sign_in", "passkeys and email OTP need feature_plan ESSENTIALS or PLUS")
        if passwordless and self.mfa.mode == "REQUIRED":
            raise _KeyError("sign_in", "passwordless first factors cannot be combined with mfa.mode REQUIRED")
        if (self.sign_in.email_otp or self.mfa.email) and self.email.sender != "ses":
            raise _KeyError("email.sender", "email OTP and email MFA need email.sender ses")
        if self.mfa.email and self.feature_plan == "LITE":
            raise _KeyError("mfa.email", "email MFA needs feature_plan ESSENTIALS or PLUS")
        if self.email.sender == "ses" and not (self.email.ses_region or self.region):
            raise _KeyError("email.ses_region", "required with sender ses when the profile sets no region")
        if self.production and self.email.sender != "ses":
            raise _KeyError("email.sender", "production needs ses (Cognito's default sender allows ~50 mails a day)")
        if self.production and self.sign_up.self_sign_up and not self.waf.enabled:
            raise _KeyError("waf.enabled", "public self sign-up in production needs the WAF on the user pool")
        if self.tokens.remove_admin_api_scope and (self.sign_in.passkeys or self.mfa.mode == "OPTIONAL"):
            raise _KeyError(
                "tokens.remove_admin_api_scope",
                "users could then not register passkeys or enrol MFA themselves; set it false",
            )
        self._check_groups()
        for i, scope in enumerate(self.clients.service.scopes):
            if scope not in names.SCOPES:
                raise _KeyError(f"clients.service.scopes.{i}", f"unknown scope {scope!r}; known: {list(names.SCOPES)}")
        return self

    def _check_groups(self) -> None:
        seen: set[str] = set()
        precedences: set[int] = set()
        for i, group in enumerate(self.groups):
            if group.name in seen:
                raise _KeyError(f"groups.{i}.name", f"duplicate group {group.name!r}")
            if group.precedence in precedences:
                # Equal precedence leaves cognito:preferred_role unset for members of both groups.
                raise _KeyError(f"groups.{i}.precedence", f"{group.precedence} is used by another group")
            seen.add(group.name)
            precedences.add(group.precedence)
            for j, scope in enumerate(group.scopes):
                if scope not in names.SCOPES:
                    raise _KeyError(f"groups.{i}.scopes.{j}", f"unknown scope {scope!r}; known: {list(names.SCOPES)}")
                if scope == names.SCOPE_ADMIN and group.name != names.ADMIN_GROUP:
                    raise _KeyError(
                        f"groups.{i}.scopes.{j}", f"scope admin is reserved for group {names.ADMIN_GROUP!r}"
                    )
        if self.default_group not in seen:
            raise _KeyError("default_group", f"{self.default_group!r} is not one of groups")
        if self.default_group == names.ADMIN_GROUP:
            raise _KeyError("default_group", "every new user would become an admin")
        if names.ADMIN_GROUP not in seen:
            raise _KeyError("groups", f"group {names.ADMIN_GROUP!r} is required (the API's admin routes use it)")

    # Derived values used by several constructs.
    @property
    def retain(self) -> bool:
        return self.removal == "retain"

    @property
    def passwordless(self) -> bool:
        return self.sign_in.passkeys or self.sign_in.email_otp

    def group_scopes(self) -> dict[str, list[str]]:
        return {group.name: list(group.scopes) for group in self.groups}


def _check_origin(origin: str, *, allow_localhost_http: bool) -> str:
    _check_https_url(origin, allow_localhost_http=allow_localhost_http)
    parts = urlsplit(origin)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "*" in origin:
        raise ValueError(f"{origin!r}: an origin is scheme://host[:port], no path or wildcard")
    return origin


class _KeyError(ValueError):
    """A cross-field rule failed for `key`; raised inside model validators."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")


def _rule(key: str, check: Any, *args: Any, **kwargs: Any) -> None:
    try:
        check(*args, **kwargs)
    except ValueError as error:
        raise _KeyError(key, str(error)) from None


def _format(error: ValidationError, source: str) -> str:
    first = error.errors(include_url=False)[0]
    key = ".".join(str(part) for part in first["loc"])
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    message = message.removeprefix("Value error, ")
    if not key:  # a model-level rule: the message names the key itself
        return f"{source}: {message}"
    return f"{source}: {key}: {message}"


def parse_config(raw: dict[str, Any], *, profile: str, source: str | None = None) -> AppConfig:
    """Parse a profile's raw mapping; one-line `ConfigError` on any problem."""
    source = source or f"config/{profile}.yaml"
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the file must hold a mapping of keys")
    try:
        return AppConfig.model_validate({**raw, "profile": profile})
    except ValidationError as error:
        raise ConfigError(_format(error, source).replace("\n", " ")) from None


def available_profiles(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(path.stem for path in config_dir.glob("*.yaml"))


def load_raw(profile: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    path = config_dir / f"{profile}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9-]*", profile) or not path.is_file():
        raise ConfigError(f"ENV: unknown profile {profile!r}; known: {', '.join(available_profiles(config_dir))}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"config/{profile}.yaml: not valid YAML ({str(error).splitlines()[0]})") from None
    return raw if raw is not None else {}


def load_config(profile: str, config_dir: Path = CONFIG_DIR) -> AppConfig:
    """Read and validate `config/<profile>.yaml`."""
    return parse_config(load_raw(profile, config_dir), profile=profile)


def main(argv: list[str]) -> int:
    """`python -m stacks.config <profile>`: validate a profile, one line on failure."""
    profile = argv[1] if len(argv) > 1 else "dev"
    try:
        load_config(profile)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
