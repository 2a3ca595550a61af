"""Object keys: the caller's prefix and the sanitiser for keys the caller chooses.

A caller only ever names a key *relative* to `private/<sub>/`; the sanitiser rejects (never rewrites)
anything that could escape that prefix, hide characters, or break S3 tools. The only transformation
is Unicode NFC normalisation, which does not change what the key looks like, so that "é" typed on
macOS (NFD) and on Windows (NFC) name the same object.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote_to_bytes

from api.errors import BadRequestError

PRIVATE_PREFIX = "private/"
# S3 allows 1024 bytes; 512 leaves room for `private/<36-char sub>/` with a wide margin.
MAX_KEY_BYTES = 512
# Unicode "Other" categories (control, format such as bidi overrides and zero-width characters,
# surrogate, private use, unassigned) plus line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def user_prefix(sub: str) -> str:
    """The caller's S3 prefix; `sub` has already been validated as a Cognito user id."""
    return f"{PRIVATE_PREFIX}{sub}/"


def sanitise_key(raw: str) -> str:
    """Return the NFC form of a caller-chosen relative key, or raise BadRequestError naming the rule it breaks."""
    key = unicodedata.normalize("NFC", raw)
    if not key:
        raise BadRequestError("key must not be empty")
    if len(key.encode("utf-8", errors="surrogatepass")) > MAX_KEY_BYTES:
        raise BadRequestError(f"key must be at most {MAX_KEY_BYTES} bytes of UTF-8")
    if "\\" in key:
        raise BadRequestError("key must not contain backslashes")
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in key):
        raise BadRequestError("key must not contain control, format or unassigned characters")
    if key.startswith("/"):
        raise BadRequestError("key must not start with '/'")
    segments = key.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise BadRequestError("key must not contain '.' or '..' segments")
    if any(not segment for segment in segments):
        raise BadRequestError("key must not contain empty segments ('//' or a trailing '/')")
    return key


def decode_path_key(raw: str) -> str:
    """Percent-decode a key taken from the raw request path (`a%2Fb.txt` -> `a/b.txt`), then sanitise it."""
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequestError("key must be percent-encoded UTF-8") from None
    return sanitise_key(decoded)
