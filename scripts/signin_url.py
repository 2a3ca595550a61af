"""Print the managed-login sign-in URL of a deployed profile (read from outputs/<profile>.json).

The URL carries a fresh PKCE challenge (S256): a public client must always send one, since Cognito
does not enforce PKCE itself. The verifier is printed for the token exchange (see README, "Try it").
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sys
from pathlib import Path
from urllib.parse import urlencode

from stacks import names
from stacks.config import load_config


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signin_url(profile: str, challenge: str, outputs_dir: Path = Path("outputs")) -> str:
    config = load_config(profile)
    outputs = json.loads((outputs_dir / f"{profile}.json").read_text(encoding="utf-8"))
    auth = outputs[names.stack_name(config.prefix, names.AUTH_STACK)]
    query = urlencode(
        {
            "client_id": auth[names.Outputs.WEB_CLIENT_ID],
            "response_type": "code",
            "scope": "openid email profile",
            "redirect_uri": config.clients.web.callback_urls[0],
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{auth[names.Outputs.MANAGED_LOGIN_URL]}/oauth2/authorize?{query}"


if __name__ == "__main__":
    verifier, challenge = pkce_pair()
    print(f"Sign in:       {signin_url(sys.argv[1] if len(sys.argv) > 1 else 'dev', challenge)}")
    print(f"PKCE verifier: {verifier}")
