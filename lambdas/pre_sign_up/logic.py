"""Sign-up decisions: email domain policy and account linking. No AWS objects involved.

Domain matching: a listed domain also covers its subdomains ("example.com" matches "eu.example.com",
not "badexample.com"); a blocked match wins over an allowed one. Domains are compared in lowercase
IDNA-ASCII form, converted with Python's built-in IDNA 2003 codec (the `idna` package is not part of the
Lambda runtime).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from pre_sign_up.config import DomainPolicy, is_domain

SIGN_UP = "PreSignUp_SignUp"
EXTERNAL_PROVIDER = "PreSignUp_ExternalProvider"

# Cognito's names of the social providers -> the name shown to users.
SOCIAL_PROVIDERS = {"Google": "Google", "Facebook": "Facebook", "SignInWithApple": "Apple", "LoginWithAmazon": "Amazon"}

# Messages reach the end user through Cognito: keep them generic and free of internals.
INVALID_EMAIL = "Please sign up with a valid email address."
DOMAIN_NOT_ALLOWED = "Sign-up with this email address is not allowed. Please use your organisation's email address."
PROVIDER_EMAIL_UNVERIFIED = (
    "An account with this email address already exists. Please sign in with your email address and password."
)
NATIVE_EMAIL_UNVERIFIED = (
    "An account with this email address already exists, but its email address is not verified yet. "
    "Please sign in with your email address and password and verify your email address first."
)
CANNOT_LINK = "We could not sign you in with this provider. Please sign in with your email address and password."
TRY_AGAIN = "We could not complete your sign-in right now. Please try again."
ACCOUNT_LINKED = "Your {provider} sign-in is now connected to your existing account. Please sign in again."


class SignUpRejectedError(Exception):
    """Refuse the sign-up; the message is shown to the user, `reason` goes to logs and metrics."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class AccountLinkedError(Exception):
    """The federated identity was linked to the native account; this sign-in attempt must end.

    Cognito would otherwise still try to create the federated user and fail the first sign-in with
    "Already found an entry for username ...". Ending it with a clear message lets the user retry,
    and the retry signs in as the native user.
    """

    def __init__(self, provider: str) -> None:
        super().__init__(ACCOUNT_LINKED.format(provider=SOCIAL_PROVIDERS.get(provider, provider)))
        self.provider = provider


class FederatedIdentity(NamedTuple):
    provider: str  # the userName prefix as Cognito sent it, until canonical_provider_name resolves it
    subject: str  # the IdP's user id as it appears in userName (lowercased in case-insensitive pools)


class ExistingUser(NamedTuple):
    username: str
    email: str | None
    email_verified: bool
    external: bool  # a federated user (status EXTERNAL_PROVIDER), never a link destination
    identities: tuple[tuple[str, str], ...]  # linked (provider name, user id) pairs


def email_domain(email: object) -> str:
    """The lowercase IDNA-ASCII domain of an email address; raise SignUpRejectedError if it has no usable one."""
    if not isinstance(email, str):
        raise SignUpRejectedError(INVALID_EMAIL, "email_missing")
    local, at, domain = email.strip().rpartition("@")
    if not (local and at and domain):
        raise SignUpRejectedError(INVALID_EMAIL, "email_malformed")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise SignUpRejectedError(INVALID_EMAIL, "email_malformed") from None
    if not is_domain(ascii_domain):
        raise SignUpRejectedError(INVALID_EMAIL, "email_malformed")
    return ascii_domain


def _covers(domain: str, listed: Iterable[str]) -> bool:
    return any(domain == entry or domain.endswith("." + entry) for entry in listed)


def check_email(email: object, policy: DomainPolicy) -> str:
    """The email address if its domain passes the policy; raise SignUpRejectedError otherwise."""
    domain = email_domain(email)
    if _covers(domain, policy.blocked):
        raise SignUpRejectedError(DOMAIN_NOT_ALLOWED, "domain_blocked")
    if policy.allowed and not _covers(domain, policy.allowed):
        raise SignUpRejectedError(DOMAIN_NOT_ALLOWED, "domain_not_allowed")
    return str(email).strip()


def parse_federated_username(user_name: object) -> FederatedIdentity:
    """Split `<Provider>_<subject>` (Google_123, SignInWithApple_001.abc.123, MyOidc_x_y)."""
    provider, _, subject = user_name.partition("_") if isinstance(user_name, str) else ("", "", "")
    if not provider or not subject:
        raise SignUpRejectedError(CANNOT_LINK, "federated_username_malformed")
    return FederatedIdentity(provider, subject)


def require_exact_subject(identity: FederatedIdentity) -> None:
    """Raise SignUpRejectedError unless the subject is exactly the IdP's, as AdminLinkProviderForUser needs it.

    Cognito_Subject must be the IdP's identifier exactly, and OIDC `sub` and SAML NameID are
    case-sensitive; but a case-insensitive pool (ours) sends the whole userName, and every other
    attribute that could carry the subject (email, preferred_username), in lowercase, and the event
    has no `identities` yet (decision 7). So the subject is known exactly only when lowercasing could
    not have changed it: it has no cased character (Google's and Facebook's numeric ids). Linking any
    other subject would store a link that never matches the IdP's next sign-in.
    """
    subject = identity.subject
    if subject.lower() != subject or subject.upper() != subject:
        raise SignUpRejectedError(CANNOT_LINK, "subject_case_unknown")


def canonical_provider_name(prefix: str, configured: Iterable[str]) -> str:
    """The identity provider's name as configured: case-insensitive pools send the userName lowercased
    ("google_123"), but AdminLinkProviderForUser needs the exact name ("Google")."""
    by_lower = {name.lower(): name for name in (*SOCIAL_PROVIDERS, *configured)}
    return by_lower.get(prefix.lower(), prefix)


def existing_user(user: Mapping[str, Any]) -> ExistingUser:
    """An entry of ListUsers' `Users`, reduced to what linking needs."""
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
    return ExistingUser(
        username=user["Username"],
        email=attributes.get("email"),
        email_verified=attributes.get("email_verified", "").lower() == "true",
        external=user.get("UserStatus") == "EXTERNAL_PROVIDER",
        identities=_identities(attributes.get("identities")),
    )


def _identities(raw: str | None) -> tuple[tuple[str, str], ...]:
    try:
        parsed = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return ()
    if not isinstance(parsed, list):
        return ()
    return tuple(
        (str(item.get("providerName", "")), str(item.get("userId", ""))) for item in parsed if isinstance(item, dict)
    )


def is_verified(value: object) -> bool:
    """Cognito passes attribute values as strings ("true"); some IdP mappings yield booleans."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def link_destination(email: str, provider_email_verified: bool, users: Sequence[ExistingUser]) -> ExistingUser | None:
    """The native user to link this federated identity to, or None to let Cognito create a new user.

    Linking hands the native account to whoever controls the IdP account, so both sides must vouch
    for the email: the native account's email is verified, and the IdP says it verified the address.
    """
    natives = [u for u in users if not u.external and u.email is not None and u.email.casefold() == email.casefold()]
    if not natives:
        return None
    if not provider_email_verified:
        raise SignUpRejectedError(PROVIDER_EMAIL_UNVERIFIED, "provider_email_unverified")
    verified = [u for u in natives if u.email_verified]
    if not verified:
        raise SignUpRejectedError(NATIVE_EMAIL_UNVERIFIED, "native_email_unverified")
    if len(verified) > 1:
        raise SignUpRejectedError(CANNOT_LINK, "ambiguous_native_users")
    return verified[0]


def is_linked(user: ExistingUser, identity: FederatedIdentity) -> bool:
    """True when a retried invocation finds the link already made (provider names compared case-insensitively)."""
    return any(p.lower() == identity.provider.lower() and u == identity.subject for p, u in user.identities)


def list_users_filter(email: str) -> str:
    """ListUsers filter for an exact email match, with quotes and backslashes escaped."""
    escaped = email.replace("\\", "\\\\").replace('"', '\\"')
    return f'email = "{escaped}"'
