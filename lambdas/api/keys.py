"""Object keys: the caller's prefix and the sanitiser for keys the caller chooses.

A caller only ever names a key *relative* to `private/<sub>/`; the sanitiser rejects (never rewrites)
anything that could escape that prefix, hide characters, or break S3 tools. The only transformation
is Unicode NFC normalisation, which does not change what the key looks like, so that "é" typed on
macOS (NFD) and on Windows (NFC) name the same object.

Characters are judged by a fixed Unicode 14.0 table (api.key_chars), not by the interpreter's `unicodedata`:
for characters assigned in 14.0, NFC is the same in every later Unicode version (Unicode's normalization
stability policy), so a key gets the same answer from Python 3.11 to 3.14.
"""

from __future__ import annotations

import unicodedata

from api import key_chars
from api.errors import BadRequestError

PRIVATE_PREFIX = "private/"
# S3 keys are at most 1,024 bytes of UTF-8. After `private/<36-character sub>/` (45 bytes), 244 characters of at
# most 4 bytes each always fit. The limit counts characters, as JSON Schema's maxLength does.
S3_MAX_KEY_BYTES = 1024
MAX_KEY_CHARS = (S3_MAX_KEY_BYTES - len(f"{PRIVATE_PREFIX}{'0' * 36}/")) // 4


def user_prefix(sub: str) -> str:
    """The caller's S3 prefix; `sub` has already been validated as a Cognito user id."""
    return f"{PRIVATE_PREFIX}{sub}/"


def sanitise_key(raw: str) -> str:
    """Return the NFC form of a caller-chosen relative key, or raise BadRequestError naming the rule it breaks."""
    if not raw:
        raise BadRequestError("key must not be empty")
    if not all(key_chars.allowed(char) for char in raw):
        raise BadRequestError(
            "key must not contain control, format or private-use characters, "
            f"or characters newer than Unicode {key_chars.UNICODE_VERSION}"
        )
    key = unicodedata.normalize("NFC", raw)
    if max(len(raw), len(key)) > MAX_KEY_CHARS:  # a few characters grow under NFC
        raise BadRequestError(f"key must be at most {MAX_KEY_CHARS} characters (also once NFC-normalised)")
    if "\\" in key:
        raise BadRequestError("key must not contain backslashes")
    if key.startswith("/"):
        raise BadRequestError("key must not start with '/'")
    segments = key.split("/")
    if any(segment in (".", "..") for segment in segments):
        raise BadRequestError("key must not contain '.' or '..' segments")
    if any(not segment for segment in segments):
        raise BadRequestError("key must not contain empty segments ('//' or a trailing '/')")
    return key
