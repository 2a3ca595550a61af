"""Limits and character rules of notes: what the table stores, checked before anything reaches DynamoDB.

A string from JSON may hold a lone surrogate (`"\\ud800"` is valid JSON), which has no UTF-8 form: DynamoDB could not
store it and the SDK would fail to encode the request, so such text is refused here. Control characters are refused
too (a body keeps its line breaks and tabs). Only code-point ranges are used, so every Python judges alike.
"""

from __future__ import annotations

import re

MAX_NOTE_TITLE_CHARS = 200
MAX_NOTE_BODY_CHARS = 10_000
MAX_VERSION = 1_000_000_000
# Server-chosen ids: a 48-bit millisecond time and 80 random bits in Crockford's base32 (the ULID layout). Its
# characters are the same in every encoding of a URL, so a path carries an id exactly (docs/api.md, "Notes").
NOTE_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
NOTE_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SURROGATE = re.compile("[\ud800-\udfff]")
_TITLE_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BODY_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _checked(text: str, control: re.Pattern[str], what: str) -> str:
    if _SURROGATE.search(text):
        raise ValueError(f"{what} must be Unicode text (it holds a lone surrogate)")
    if control.search(text):
        raise ValueError(f"{what} must not contain control characters")
    return text


def title_text(text: str) -> str:
    if not text.strip():
        raise ValueError("title must not be blank")
    return _checked(text, _TITLE_CONTROL, "title")


def body_text(text: str) -> str:
    return _checked(text, _BODY_CONTROL, "body")
