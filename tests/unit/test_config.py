"""The typed configuration: every shipped profile is valid, and bad or dangerous configuration
fails with one line that names the key and the reason."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest

from stacks.config import AppConfig, ConfigError, load_config, load_raw, parse_config
from tests.support import REPO, raw_profile


def _set(raw: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    node = raw
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {}) if not part.isdigit() else node[int(part)]
    if leaf.isdigit():
        node[int(leaf)] = value
    else:
        node[leaf] = value
    return raw


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_shipped_profiles_are_valid(profile: str) -> None:
    config = load_config(profile)
    assert isinstance(config, AppConfig)
    assert config.profile == profile


def test_prod_retains_everything_and_uses_plus_with_threat_protection() -> None:
    prod = load_config("prod")
    assert prod.production
    assert prod.retain
    assert (prod.feature_plan, prod.threat_protection) == ("PLUS", "ENFORCED")
    assert prod.email.sender == "ses"


def test_config_is_frozen() -> None:
    config = load_config("dev")
    with pytest.raises(Exception, match="frozen"):
        config.prefix = "other"  # type: ignore[misc]


def test_sign_up_domains_are_normalised_to_ascii() -> None:
    raw = _set(load_raw("dev"), "sign_up.allowed_email_domains", ["Example.ORG", "bücher.example"])
    config = parse_config(raw, profile="dev")
    assert config.sign_up.allowed_email_domains == ["example.org", "xn--bcher-kva.example"]


# (case id, profile to start from, dotted key, value, expected fragment of the one-line message)
BAD: list[tuple[str, str, str, Any, str]] = [
    ("unknown top-level key", "dev", "colour", "blue", "colour: unknown key"),
    ("unknown nested key", "dev", "mfa.sms_only", True, "mfa.sms_only: unknown key"),
    ("http callback not localhost", "dev", "clients.web.callback_urls", ["http://app.your-company.example/cb"],
     "clients.web.callback_urls.0: 'http://app.your-company.example/cb': http is allowed only for localhost"),
    ("http localhost in production", "prod", "clients.web.callback_urls", ["http://localhost:5173/cb"],
     "clients.web.callback_urls.0: 'http://localhost:5173/cb': http is allowed only for localhost"),
    ("wildcard callback", "dev", "clients.web.callback_urls", ["https://*.your-company.example/cb"],
     "clients.web.callback_urls.0: 'https://*.your-company.example/cb': wildcards are not allowed"),
    ("fragment in callback", "dev", "clients.web.logout_urls", ["https://app.your-company.example/#/home"],
     "clients.web.logout_urls.0: 'https://app.your-company.example/#/home': fragments are not allowed"),
    ("CDK placeholder URL", "dev", "clients.web.callback_urls", ["https://example.com"],
     "clients.web.callback_urls.0: 'https://example.com': is the CDK placeholder domain example.com"),
    ("custom scheme on web client", "dev", "clients.web.callback_urls", ["myapp://callback"],
     "clients.web.callback_urls.0: 'myapp://callback': must be an absolute https URL"),
    ("javascript scheme on native client", "dev", "clients.native.callback_urls", ["javascript://alert"],
     "clients.native.callback_urls.0: 'javascript://alert': not a valid app URL scheme"),
    ("threat protection without PLUS", "dev", "threat_protection", "ENFORCED",
     "threat_protection: threat protection needs feature_plan PLUS"),
    ("access-token customisation on LITE", "dev", "feature_plan", "LITE",
     "tokens.customise_access_token: access-token customisation (pre-token generation V2) needs ESSENTIALS or PLUS"),
    ("destroy in production", "prod", "removal", "destroy",
     "removal: destroy is not allowed in production"),
    ("access token lifetime too long", "dev", "tokens.access_minutes", 120,
     "tokens.access_minutes: Input should be less than or equal to 60"),
    ("access token lifetime too short", "dev", "tokens.id_minutes", 1,
     "tokens.id_minutes: Input should be greater than or equal to 5"),
    ("refresh token beyond ten years", "dev", "tokens.refresh_days", 4000,
     "tokens.refresh_days: Input should be less than or equal to 3650"),
    ("SES without identity", "dev", "email", {"sender": "ses"},
     "email: sender ses needs from_address"),
    ("SAML without metadata", "dev", "federation", {"saml": [{"name": "Corp"}]},
     "federation.saml.0: set exactly one of metadata_url or metadata_file"),
    ("group mapped to unknown scope", "dev", "groups.1.scopes", ["profile.read", "files.everything"],
     "groups.1.scopes.1: unknown scope 'files.everything'"),
    ("admin scope outside admins", "dev", "groups.1.scopes", ["admin"],
     "groups.1.scopes.0: scope admin is reserved for group 'admins'"),
    ("default group not defined", "dev", "default_group", "members",
     "default_group: 'members' is not one of groups"),
    ("invalid log retention", "dev", "log_retention_days", 10,
     "log_retention_days: 10 is not a CloudWatch Logs retention period"),
    ("reserved word in domain prefix", "dev", "domain.cognito_prefix", "my-cognito-login",
     "domain.cognito_prefix: Cognito prefix domains may not contain 'cognito'"),
    ("custom domain without certificate", "dev", "domain", {"custom_domain": "login.your-company.example"},
     "domain: custom_domain needs certificate_arn"),
    ("certificate outside us-east-1", "dev", "domain", {
        "custom_domain": "login.your-company.example",
        "certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"},
     "domain.certificate_arn: must be an ACM certificate ARN in us-east-1"),
    ("passwordless with MFA required", "prod", "mfa.mode", "REQUIRED",
     "sign_in: passwordless first factors cannot be combined with mfa.mode REQUIRED"),
    ("email OTP without SES", "dev", "sign_in.email_otp", True,
     "email.sender: email OTP and email MFA need email.sender ses"),
    ("federation secret inline", "dev", "federation", {"google": {"client_id": "x", "client_secret": "s3cr3t"}},
     "federation.google.client_secret_name: required key is missing"),
    ("CORS origin with path", "dev", "cors_origins", ["https://app.your-company.example/app"],
     "cors_origins.0: 'https://app.your-company.example/app': an origin is scheme://host[:port]"),
    ("guest grant without guests", "dev", "identity", {"guest_public_read": True},
     "identity: guest_public_read needs allow_guests"),
    ("bad prefix", "dev", "prefix", "Cognito_Ref", "prefix: String should match pattern"),
    ("admin API scope removed with self-service MFA", "dev", "tokens.remove_admin_api_scope", True,
     "tokens.remove_admin_api_scope: users could then not register passkeys or enrol MFA themselves"),
    ("admins as default group", "dev", "default_group", "admins",
     "default_group: every new user would become an admin"),
    ("public sign-up in production without WAF", "prod", "waf", {"enabled": False},
     "waf.enabled: public self sign-up in production needs the WAF on the user pool"),
    ("duplicate group precedence", "dev", "groups.1.precedence", 0, "groups.1.precedence: 0 is used by another group"),
    ("migration source that is no pool id", "dev", "migration",
     {"source_user_pool_id": "AbC123", "source_client_id": "c1"},
     "migration.source_user_pool_id: String should match pattern"),
    ("migration without the old pool's client", "dev", "migration", {"source_user_pool_id": "eu-west-1_AbC123"},
     "migration.source_client_id: required key is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("start", "key", "value", "expected"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_configuration_fails_with_one_line_naming_the_key(start: str, key: str, value: Any, expected: str) -> None:
    # Given a shipped profile with one bad value
    raw = _set(raw_profile(start), key, value)
    # When it is parsed
    with pytest.raises(ConfigError) as error:
        parse_config(raw, profile=start)
    # Then the message is one line, names the file and the key, and says why
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"config/{start}.yaml: ")
    assert expected in message


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"^ENV: unknown profile 'nope'; known: dev, prod$"):
        load_config("nope")


def test_profile_names_cannot_escape_the_config_folder() -> None:
    with pytest.raises(ConfigError, match="unknown profile"):
        load_config("../requirements")


@pytest.mark.parametrize(
    ("profile", "code", "stderr"),
    [("dev", 0, ""), ("nope", 1, "configuration error: ENV: unknown profile 'nope'; known: dev, prod\n")],
)
def test_cli_check_prints_one_line_and_no_traceback(profile: str, code: int, stderr: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks.config", profile], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (code, stderr)


def test_a_migration_source_names_its_region() -> None:
    raw = _set(load_raw("dev"), "migration", {"source_user_pool_id": "ap-southeast-2_AbC123", "source_client_id": "c1"})
    migration = parse_config(raw, profile="dev").migration
    assert migration is not None
    assert (migration.source_region, migration.sdk_password_sign_in) == ("ap-southeast-2", False)
