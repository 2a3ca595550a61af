"""api.keys: the sanitiser accepts ordinary keys and rejects (never rewrites) everything unsafe."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api import key_chars
from api.errors import BadRequestError
from api.keys import MAX_KEY_CHARS, S3_MAX_KEY_BYTES, sanitise_key, user_prefix
from scripts import key_chars as key_chars_generator
from tests.unit.api_env import ALICE


@pytest.mark.parametrize(
    "key",
    [
        "a.txt",
        "photos/2024/cat.png",
        "Résumé final (v2).pdf",
        "日本語/ファイル.txt",
        "a b/c%20d.txt",
        "x" * MAX_KEY_CHARS,
        "\U0001f600" * MAX_KEY_CHARS,  # 4 bytes each: still fits S3 after the prefix
        "...",
        ".hidden",
        "a..b",
        "emoji-😀.png",
    ],
)
def test_ordinary_keys_pass_unchanged(key: str) -> None:
    assert sanitise_key(key) == key


def test_keys_are_normalised_to_nfc() -> None:
    assert sanitise_key("cafe\u0301.txt") == "caf\u00e9.txt"


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "empty"),
        ("../x", "'..'"),
        ("a/../b", "'..'"),
        ("./a", "'.'"),
        ("a/.", "'.'"),
        ("/a", "start with '/'"),
        ("a//b", "empty segments"),
        ("a/", "empty segments"),
        ("a\\b", "backslashes"),
        ("a\x00b", "control"),
        ("a\tb", "control"),
        ("a\x1bb", "control"),
        ("a\x85b", "control"),
        ("a\u202eb", "format"),
        ("a\ufeffb", "format"),
        ("a\u2029b", "control"),
        ("a\ue000b", "private-use"),
        ("a\U000e0001b", "format"),
        ("a\U0001fae8b", "newer than Unicode 14.0"),  # assigned in 15.0: refused by every Python alike
        ("a\U0010fffdb", "private-use"),
        ("x" * (MAX_KEY_CHARS + 1), "characters"),
        ("\u0958" * MAX_KEY_CHARS, "characters"),  # each becomes two characters under NFC
    ],
)
def test_unsafe_keys_are_rejected_with_the_rule(key: str, rule: str) -> None:
    with pytest.raises(BadRequestError, match=r"^key must") as caught:
        sanitise_key(key)

    assert rule in caught.value.message


@given(st.text(max_size=300))
def test_an_accepted_key_never_escapes_the_prefix(key: str) -> None:
    try:
        clean = sanitise_key(key)
    except BadRequestError:
        return
    full = user_prefix(ALICE) + clean
    assert full.startswith(f"private/{ALICE}/")
    assert ".." not in clean.split("/")
    assert "" not in clean.split("/")
    assert unicodedata.is_normalized("NFC", clean)
    assert len(full.encode()) <= S3_MAX_KEY_BYTES
    assert len(clean) <= MAX_KEY_CHARS


@pytest.mark.skipif(unicodedata.unidata_version != key_chars.UNICODE_VERSION, reason="needs Python 3.11's Unicode")
def test_the_key_table_is_what_the_generator_makes() -> None:
    # Regenerate with: python3.11 -m scripts.key_chars > lambdas/api/key_chars.py
    assert (Path(key_chars.__file__).read_text(encoding="utf-8")) == key_chars_generator.module()


@pytest.mark.skipif(unicodedata.unidata_version != key_chars.UNICODE_VERSION, reason="needs Python 3.11's Unicode")
@given(st.characters(codec=None))
def test_the_key_table_agrees_with_unicode_14(char: str) -> None:
    expected = unicodedata.category(char) not in key_chars_generator.FORBIDDEN_CATEGORIES

    assert key_chars.allowed(char) is expected


@pytest.mark.parametrize(
    ("char", "allowed"),
    [("a", True), ("\u00e9", True), ("\u20ac", True), ("\U0001f600", True), ("\u4e16", True),
     ("\x00", False), ("\x85", False), ("\u200d", False), ("\ud800", False), ("\ue000", False),
     ("\u0378", False), ("\U0001fae8", False), ("\U0001fa75", False)],
)  # fmt: skip
def test_the_key_table_gives_the_same_answer_on_every_interpreter(char: str, allowed: bool) -> None:
    assert key_chars.allowed(char) is allowed
