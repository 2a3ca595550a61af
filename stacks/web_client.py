"""What the browser client (web/) is handed at deploy: its `config.json` and its security headers.

One definition for both places that serve the app: CloudFront (stacks/constructs/web_hosting.py and
web_content.py, where the values are CloudFormation tokens resolved at deploy) and the local web server of
`make local` (local/web.py, with the local stack's URLs). The browser tests run against the local server, so what
they prove about the headers is what CloudFront sends.

The Content-Security-Policy allows scripts, styles and images from the app's own origin only, and network
requests (`connect-src`) to exactly the origins the app talks to: the managed login domain (token, revocation
and userInfo endpoints), the API, the identity pool's endpoint and the data bucket (virtual-hosted,
global and regional names: presigned URLs and the SDK use either). No inline script or style, no framing, no
`<base>`, no form submissions, and Trusted Types required for DOM sinks that parse HTML, with one policy allowed
(web/src/trusted-types.ts: the app writes text, never HTML; the AWS SDK parses S3's XML with DOMParser).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# HSTS: one year, subdomains included (MDN "Strict-Transport-Security"); not `preload`, which is a decision about a
# domain the app's owner registers with the browsers' preload list, not about a cloudfront.net name.
HSTS_MAX_AGE_S = 31_536_000
REFERRER_POLICY = "no-referrer"  # the callback URL carries the authorization code: no Referer leaves the app
FRAME_OPTIONS = "DENY"
# Custom headers of the response headers policy (names and values as sent).
CUSTOM_HEADERS: Mapping[str, str] = {
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# The callback path of the web app (web/src/auth.ts CALLBACK_PATH): registered for the hosted origin.
CALLBACK_PATH = "/callback"
# S3 user metadata key (`x-amz-meta-csp`) that carries the policy to the CloudFront viewer-response function
# (decision 20: the policy names resources CloudFront's own policy cannot reference without a cycle).
CSP_METADATA_KEY = "csp"
# The viewer-response function's policy for a response without that metadata (an S3 error): nothing is allowed.
NO_CSP = "default-src 'none'; frame-ancestors 'none'"


def content_security_policy(*, connect_origins: Iterable[str]) -> str:
    """The page's CSP; `connect_origins` are the exact origins the app may call besides its own."""
    connect = " ".join(["'self'", *connect_origins])
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "manifest-src 'self'",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "require-trusted-types-for 'script'",
            "trusted-types default",
        )
    )


def connect_origins(*, login_url: str, api_url: str, identity_url: str, bucket_origins: Iterable[str]) -> list[str]:
    """The origins the app calls, in the order the CSP lists them."""
    return [_origin(login_url), _origin(api_url), _origin(identity_url), *map(_origin, bucket_origins)]


def _origin(url: str) -> str:
    """A URL without trailing slashes (CloudFormation tokens pass through unchanged)."""
    return url.rstrip("/")


def security_headers(csp: str) -> list[tuple[str, str]]:
    """Every header CloudFront adds to a page of the app, as the browser receives it."""
    return [
        ("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}; includeSubDomains"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", FRAME_OPTIONS),
        ("Referrer-Policy", REFERRER_POLICY),
        *CUSTOM_HEADERS.items(),
        ("Content-Security-Policy", csp),
    ]


def identity_endpoint(region: str) -> str:
    """The identity pool's public endpoint (AWS General Reference, "Amazon Cognito endpoints and quotas")."""
    return f"https://cognito-identity.{region}.amazonaws.com"


@dataclass(frozen=True)
class ClientConfig:
    """The values of `config.json` (web/src/config.ts reads the same keys)."""

    region: str
    user_pool_id: str
    client_id: str
    login_url: str
    api_url: str
    identity_pool_id: str
    bucket: str
    resource_server: str
    admin_group: str

    def document(self, endpoints: Mapping[str, str] | None = None) -> dict[str, object]:
        """The JSON document; `endpoints` only from the local stack (`cognitoIdentity`, `s3`)."""
        document: dict[str, object] = {
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "clientId": self.client_id,
            "issuer": f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}",
            "loginUrl": _origin(self.login_url),
            "apiUrl": _origin(self.api_url),
            "identityPoolId": self.identity_pool_id,
            "bucket": self.bucket,
            "resourceServer": self.resource_server,
            "adminGroup": self.admin_group,
        }
        if endpoints:
            document["endpoints"] = dict(endpoints)
        return document
