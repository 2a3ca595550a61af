"""api.keys: the sanitiser accepts ordinary keys and rejects (never rewrites) everything unsafe."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.errors import BadRequestError
from api.keys import MAX_KEY_BYTES, decode_path_key, sanitise_key, user_prefix
from tests.unit.api_events import ALICE


@pytest.mark.parametrize(
    "key",
    [
        "a.txt",
        "photos/2024/cat.png",
        "Résumé final (v2).pdf",
        "日本語/ファイル.txt",
        "a b/c%20d.txt",
        "x" * MAX_KEY_BYTES,
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
        ("a\ue000b", "control"),
        ("a\U000e0001b", "format"),
        ("x" * (MAX_KEY_BYTES + 1), "bytes"),
        ("\u20ac" * 171, "bytes"),  # 513 bytes of UTF-8
    ],
)
def test_unsafe_keys_are_rejected_with_the_rule(key: str, rule: str) -> None:
    with pytest.raises(BadRequestError, match=r"^key must") as caught:
        sanitise_key(key)

    assert rule in caught.value.message


@given(st.text(max_size=600))
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
    assert len(full.encode()) < 1024


@pytest.mark.parametrize(("raw", "key"), [("a.txt", "a.txt"), ("a%2Fb.txt", "a/b.txt"), ("r%C3%A9sum%C3%A9", "résumé"),
                                          ("100%25", "100%")])  # fmt: skip
def test_path_keys_are_percent_decoded_once(raw: str, key: str) -> None:
    assert decode_path_key(raw) == key


@pytest.mark.parametrize("raw", ["%FF", "%C3", "..%2Fx", "%2Fa", "a%00"])
def test_undecodable_or_unsafe_path_keys_are_rejected(raw: str) -> None:
    with pytest.raises(BadRequestError):
        decode_path_key(raw)
