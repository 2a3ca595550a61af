"""Limits and character rules of notes: what the table stores, checked (api.schema, by api.models) before anything
reaches DynamoDB.

A string from JSON may hold a lone surrogate (`"\\ud800"` is valid JSON), which has no UTF-8 form: DynamoDB could not
store it and the SDK would fail to encode the request; api.schema.Text refuses such text for every field. Control
characters are refused here (a body keeps its line breaks and tabs), and a title must hold something other than
white space. The patterns use explicit code-point ranges only, so Python and ECMA-262 (JSON Schema) read them alike.
"""

from __future__ import annotations

MAX_NOTE_TITLE_CHARS = 200
MAX_NOTE_BODY_CHARS = 10_000
MAX_VERSION = 1_000_000_000
# Server-chosen ids: a 48-bit millisecond time and 80 random bits in Crockford's base32 (the ULID layout). Its
# characters are the same in every encoding of a URL, so a path carries an id exactly (docs/api.md, "Notes").
NOTE_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
NOTE_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: a title is one line.
_TITLE_CHAR = r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]"
# ... and besides those, white space (Unicode White_Space, plus the BOM): a title is not blank.
_VISIBLE_CHAR = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
TITLE_PATTERN = f"^{_TITLE_CHAR}*{_VISIBLE_CHAR}{_TITLE_CHAR}*$"
# A body keeps tabs and line breaks (\t \n \r), and no other control character.
BODY_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
