"""The typed configuration: every shipped profile is valid, and bad or dangerous configuration
fails with one line that names the key and the reason."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore
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
    ("unknown nested key", "dev", "mfa.sms_only", True, "mfa.sms_only: unknown key; did you mean 'sms'?"),
    ("misspelt top-level key", "dev", "feature_plane", "PLUS",
     "feature_plane: unknown key; did you mean 'feature_plan'?"),
    ("unknown key, nothing close", "dev", "waf.colour", "blue",
     "waf.colour: unknown key; known here: enabled, rate_limit_per_5_minutes"),
    ("misspelt key in a list item", "dev", "groups.0.scope", ["admin"],
     "groups.0.scope: unknown key; did you mean 'scopes'?"),
    ("misspelt region", "dev", "region", "eu-westt-1",
     "region: 'eu-westt-1' is not a region with Cognito user pools"),
    ("misspelt region suggests the closest", "dev", "region", "eu-centrl-1", "; did you mean 'eu-central-1'?"),
    ("equally close regions are all suggested", "dev", "region", "us-east-l",
     "; did you mean 'us-east-1' or 'us-east-2'?"),
    ("made-up region", "dev", "region", "xx-nowhere-9",
     "region: 'xx-nowhere-9' is not a region with Cognito user pools"),
    ("GovCloud region", "dev", "region", "us-gov-west-1",
     "region: 'us-gov-west-1' is in the aws-us-gov partition; these stacks serve the aws partition only"),
    ("China region", "dev", "region", "cn-north-1", "region: 'cn-north-1' is not a region with Cognito user pools"),
    ("misspelt SES region", "prod", "email.ses_region", "eu-west-9",
     "email.ses_region: 'eu-west-9' is not a region with Amazon SES"),
    ("custom domain over 63 characters", "dev", "domain", {
        "custom_domain": "a-very-long-sign-in-host-name-for-the-company.login.your-company.example",
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"},
     "domain.custom_domain: String should have at most 63 characters"),
    ("passkey relying-party ID over 63 characters", "prod", "sign_in.passkey_relying_party_id",
     "a-very-long-relying-party-host-name-for-passkeys.your-company.example",
     "sign_in.passkey_relying_party_id: String should have at most 63 characters"),
    ("prefix domain too long for the passkey ID (no region)", "prod", "domain.cognito_prefix",
     "your-company-login-for-passkeys",
     "domain.cognito_prefix: the passkey relying-party ID <prefix>.auth.<region>.amazoncognito.com would be 69 "
     "characters in the region with the longest name (no region is set); Cognito allows 63: use at most 25 "
     "characters or set sign_in.passkey_relying_party_id"),
    ("boolean where a word is expected", "dev", "mfa.mode", False,
     'mfa.mode: got the boolean false: write the text in quotes, e.g. "OFF"'),
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
    ("LITE plan", "dev", "feature_plan", "LITE",
     "feature_plan: LITE is not supported: the API needs access-token customisation and the stacks use managed "
     "login v2, neither of which LITE has; use ESSENTIALS"),
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
    ("federation secret inline, the key named", "dev", "federation",
     {"google": {"client_id": "x", "client_secret": "s3cr3t"}},
     "federation.google.client_secret: unknown key; did you mean 'client_secret_name'?"),
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
    ("migration source in no Cognito region", "dev", "migration",
     {"source_user_pool_id": "eu-wset-1_AbC123", "source_client_id": "c1"},
     "migration.source_user_pool_id: 'eu-wset-1' is not a region with Cognito user pools"),
]  # fmt: skip


@pytest.mark.parametrize(("start", "key", "value", "expected"), [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_configuration_fails_with_one_line_naming_the_key(start: str, key: str, value: Any, expected: str) -> None:
    # Given a shipped profile with one bad value
    raw = _set(raw_profile(start), key, value)
    # When it is parsed
    with pytest.raises(ConfigError) as error:
        parse_config(raw, profile=start)
    # Then one line names the file and the key, and says why (every line names the file)
    lines = error.value.lines
    assert all("\n" not in line and line.startswith(f"config/{start}.yaml: ") for line in lines)
    assert any(expected in line for line in lines), lines


def test_a_long_prefix_domain_is_fine_where_the_region_name_is_short() -> None:
    # 31 characters + ".auth." + "eu-west-1" + ".amazoncognito.com" = 64: one too many even there
    raw = _set(raw_profile("prod"), "region", "eu-west-1")
    raw = _set(raw, "domain.cognito_prefix", "your-company-login-for-passkeys")
    with pytest.raises(ConfigError, match=r"would be 64 characters in eu-west-1; Cognito allows 63: use at most 30 "):
        parse_config(raw, profile="prod")
    raw = _set(raw, "domain.cognito_prefix", "your-company-login-for-passkey")
    assert parse_config(raw, profile="prod").domain.cognito_prefix == "your-company-login-for-passkey"
    # An explicit relying-party ID, or no passkeys, lifts the limit.
    raw = _set(raw, "domain.cognito_prefix", "your-company-login-for-passkeys")
    assert parse_config(_set(raw, "sign_in.passkey_relying_party_id", "your-company.example"), profile="prod")
    assert parse_config(_set(raw, "sign_in.passkeys", False), profile="prod")


def test_every_region_botocore_lists_for_cognito_is_accepted() -> None:
    from stacks import regions

    known = regions.regions(regions.COGNITO_IDP)
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(known)
    for region in known:
        assert parse_config(_set(raw_profile("dev"), "region", region), profile="dev").region == region


def test_cdk_targets_only_the_partition_the_region_check_serves() -> None:
    from stacks import regions
    from tests.support import cdk_context

    # aws-cn has no Cognito user pools; the other partitions are not verified (stacks/regions.py).
    assert cdk_context()["@aws-cdk/core:target-partitions"] == [regions.PARTITION]
    assert regions.regions(regions.COGNITO_IDP, "aws-cn") == ()


# A profile as a new user writes it: several mistakes at once, one of them an unquoted OFF.
MISTAKES = """\
prefix: cognito-ref-dev
region: eu-westt-1
threat_protection: ENFORCED
feature_plan: ESSENTIALS
domain:
  cognito_prefix: myapp-dev-login
resource_server_identifier: cognito-ref-api
clients:
  web:
    callback_urls: ["http://app.your-company.example/callback"]
groups:
  - name: admins
    precedence: 0
    scopes: [profile.read, admin]
  - name: users
    precedence: 0
    scopes: [profile.read]
mfa:
  mode: OFF
  sms_only: true
tokens:
  access_minutes: 120
uploads:
  content_types: [text/plain]
  max_bytes: 10
"""


def _write(tmp_path: Path, text: str, profile: str = "mine") -> Path:
    (tmp_path / f"{profile}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_every_mistake_is_reported_at_once_one_line_each_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_config("mine", _write(tmp_path, MISTAKES))
    source = str(tmp_path / "mine.yaml")
    assert error.value.lines == (
        f"{source}:2: region: 'eu-westt-1' is not a region with Cognito user pools (botocore "
        f"{botocore.__version__} endpoint data; a newer region needs a newer botocore in requirements.txt); "
        "did you mean 'eu-west-1'?",
        f"{source}:3: threat_protection: threat protection needs feature_plan PLUS",
        f"{source}:10: clients.web.callback_urls.0: 'http://app.your-company.example/callback': "
        "http is allowed only for localhost (in non-production)",
        f"{source}:16: groups.1.precedence: 0 is used by another group",
        f"{source}:20: mfa.sms_only: unknown key; did you mean 'sms'?",
        f"{source}:22: tokens.access_minutes: Input should be less than or equal to 60",
    )
    assert str(error.value) == "\n".join(error.value.lines)


def test_unquoted_off_is_read_as_the_text_off(tmp_path: Path) -> None:
    # YAML 1.1 (PyYAML's default) reads OFF as false; the profile reader follows YAML 1.2.
    text = (REPO / "config" / "dev.yaml").read_text(encoding="utf-8")
    text = text.replace('threat_protection: "OFF"', "threat_protection: OFF").replace("mode: OPTIONAL", "mode: OFF")
    assert "threat_protection: OFF " in text
    assert "  mode: OFF\n" in text
    config = load_config("mine", _write(tmp_path, text))
    assert (config.mfa.mode, config.threat_protection) == ("OFF", "OFF")
    # Boolean keys still read the usual words.
    text = text.replace("production: false", "production: no").replace("waf:\n  enabled: false", "waf:\n  enabled: On")
    config = load_config("mine", _write(tmp_path, text))
    assert (config.production, config.waf.enabled) == (False, True)


def test_rules_that_read_an_invalid_key_are_skipped_and_the_others_still_run(tmp_path: Path) -> None:
    # feature_plan is invalid, so "threat protection needs PLUS" cannot be judged; the duplicate
    # precedence rule reads only groups and still runs.
    raw = _set(_set(raw_profile("dev"), "feature_plan", "PLUSS"), "threat_protection", "ENFORCED")
    raw = _set(raw, "groups.1.precedence", 0)
    with pytest.raises(ConfigError) as error:
        parse_config(raw, profile="dev")
    assert [line.split(": ")[1] for line in error.value.lines] == ["feature_plan", "groups.1.precedence"]


def test_rules_run_when_a_required_key_is_invalid() -> None:
    raw = _set(_set(raw_profile("dev"), "uploads.max_bytes", 0), "threat_protection", "AUDIT")
    with pytest.raises(ConfigError) as error:
        parse_config(raw, profile="dev")
    assert [line.split(": ")[1] for line in error.value.lines] == ["uploads.max_bytes", "threat_protection"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "prefix: x\ndomain:\n  cognito_prefix: a\n   bad: 1\n",
            ":4:7: YAML syntax error: mapping values are not allowed here",
        ),
        (
            "prefix: x\ngroups: [admins, users\nfoo: 1\n",
            ":3:4: YAML syntax error: while parsing a flow sequence expected ',' or ']', but got ':'",
        ),
        (
            'prefix: "unterminated\n',
            ":2:1: YAML syntax error: while scanning a quoted scalar found unexpected end of stream",
        ),
        (
            "\tprefix: x\n",
            ":1:1: YAML syntax error: while scanning for the next token "
            "found character '\\t' that cannot start any token",
        ),
    ],
    ids=["bad indentation", "unclosed list", "unclosed quote", "tab"],
)
def test_yaml_syntax_errors_give_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config("mine", _write(tmp_path, text))
    assert error.value.lines == (f"{tmp_path / 'mine.yaml'}{expected}",)


def test_a_key_written_twice_is_reported(tmp_path: Path) -> None:
    text = (REPO / "config" / "dev.yaml").read_text(encoding="utf-8") + "\nlog_retention_days: 30\n"
    with pytest.raises(ConfigError) as error:
        load_config("mine", _write(tmp_path, text))
    (line,) = error.value.lines
    assert re.fullmatch(
        rf"{re.escape(str(tmp_path / 'mine.yaml'))}:(\d+): log_retention_days: written twice "
        r"\(lines \d+ and \1\); the last wins",
        line,
    )


def test_non_mapping_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"mine.yaml: the file must hold a mapping of keys$"):
        load_config("mine", _write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ConfigError) as error:
        load_config("mine", _write(tmp_path, ""))
    assert [line.split(": ")[1] for line in error.value.lines] == [
        "prefix", "domain", "resource_server_identifier", "clients", "groups", "uploads",
    ]  # fmt: skip


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


def test_cli_check_prints_every_mistake_on_its_own_line(tmp_path: Path) -> None:
    # `make synth` runs this check first, so its output is what a user sees.
    _write(tmp_path, MISTAKES)
    result = subprocess.run(
        [sys.executable, "-m", "stacks.config", "mine", "--config-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stderr.splitlines()
    assert result.returncode == 1
    assert len(lines) == 6
    assert all(line.startswith(f"configuration error: {tmp_path / 'mine.yaml'}:") for line in lines)
    assert "Traceback" not in result.stderr


def test_a_migration_source_names_its_region() -> None:
    raw = _set(load_raw("dev"), "migration", {"source_user_pool_id": "ap-southeast-2_AbC123", "source_client_id": "c1"})
    migration = parse_config(raw, profile="dev").migration
    assert migration is not None
    assert (migration.source_region, migration.sdk_password_sign_in) == ("ap-southeast-2", False)
