"""The documentation holds together: every relative link resolves, the index lists every page and
decision, and every page leads back to the index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import REPO

DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
DECISIONS = sorted((DOCS / "decisions").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # not inside code blocks
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", [REPO / "README.md", *PAGES, *DECISIONS], ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = [target for target in relative_links(page) if not (page.parent / target.split("#")[0]).exists()]
    assert broken == []


def test_the_index_lists_every_page_and_decision_and_the_readme_links_it() -> None:
    index = DOCS / "README.md"
    listed = {(DOCS / target).resolve() for target in relative_links(index)}
    missing = [p.name for p in [*PAGES, *DECISIONS] if p != index and p.resolve() not in listed]
    assert missing == []
    assert "docs/README.md" in relative_links(REPO / "README.md")


@pytest.mark.parametrize("page", [p for p in PAGES if p.name != "README.md"], ids=lambda p: p.name)
def test_every_page_leads_back_to_the_index_and_starts_with_a_title(page: Path) -> None:
    assert "README.md" in relative_links(page)
    assert page.read_text(encoding="utf-8").startswith("# ")
