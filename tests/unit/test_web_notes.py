"""The web app checks a note against the API's limits before sending it (web/src/notes.ts); those limits must be
the API's own (lambdas/api/text.py, from which docs/openapi.json is generated), or the app would refuse what the API
takes, or send what it refuses. The browser journey (tests/local/test_web_journey.py) shows the app's messages."""

from __future__ import annotations

import json
import re

from api import text
from tests.support import REPO

NOTES_TS = (REPO / "web" / "src" / "notes.ts").read_text(encoding="utf-8")


def _constant(name: str) -> str:
    found = re.search(rf"\bconst {name} =\s*(.+?);\n", NOTES_TS, re.DOTALL)
    assert found, f"web/src/notes.ts declares no {name}"
    return found.group(1).strip()


def test_the_apps_note_limits_are_the_apis() -> None:
    assert int(_constant("TITLE_MAX_CHARS").replace("_", "")) == text.MAX_NOTE_TITLE_CHARS
    assert int(_constant("BODY_MAX_CHARS").replace("_", "")) == text.MAX_NOTE_BODY_CHARS
    # TypeScript's double-quoted string literals read like JSON's for these patterns (backslash escapes only)
    assert json.loads(_constant("TITLE_PATTERN")) == text.TITLE_PATTERN
    assert json.loads(_constant("BODY_PATTERN")) == text.BODY_PATTERN
