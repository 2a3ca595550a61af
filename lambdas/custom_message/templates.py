"""Message templates: files under templates/, read once per container.

Each message kind has an HTML fragment (`<kind>.html`, wrapped in `layout.html`) and a subject and an
SMS text (`messages.json`). Placeholders use `string.Template` syntax ($name), so the braces of
Cognito's `{####}` and `{username}` never clash with them.
"""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import NamedTuple

TEMPLATE_DIR = Path(__file__).parent / "templates"
KINDS = ("sign_up", "forgot_password", "invitation", "verify_attribute", "sign_in_code")
# Placeholders each part may use; `code` (and `username` for invitations) are checked when rendering.
SUBJECT_FIELDS = frozenset({"app_name"})
SMS_FIELDS = frozenset({"app_name", "code", "username"})
EMAIL_FIELDS = frozenset({"app_name", "code", "username", "sign_in_url", "subject"})


class TemplateError(ValueError):
    """A template file is missing, malformed or uses an unknown placeholder (raised at cold start)."""


class MessageTemplate(NamedTuple):
    subject: Template
    email: Template  # the whole HTML document
    sms: Template


def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, MessageTemplate]:
    """Read and check every kind's templates."""
    layout = (directory / "layout.html").read_text(encoding="utf-8")
    if layout.count("$content") != 1:
        raise TemplateError("layout.html must contain $content exactly once")
    texts = json.loads((directory / "messages.json").read_text(encoding="utf-8"))
    templates = {}
    for kind in KINDS:
        content = (directory / f"{kind}.html").read_text(encoding="utf-8")
        try:
            subject, sms = texts[kind]["subject"], texts[kind]["sms"]
        except (KeyError, TypeError):
            raise TemplateError(f"messages.json needs a subject and an sms text for {kind!r}") from None
        templates[kind] = MessageTemplate(
            subject=_template(kind, "subject", subject, SUBJECT_FIELDS),
            email=_template(kind, "email", layout.replace("$content", content.strip()), EMAIL_FIELDS),
            sms=_template(kind, "sms", sms, SMS_FIELDS),
        )
    return templates


def _template(kind: str, part: str, text: str, fields: frozenset[str]) -> Template:
    template = Template(text)
    unknown = set(template.get_identifiers()) - fields
    if not template.is_valid() or unknown:
        raise TemplateError(f"{kind} {part} template is invalid or uses unknown placeholders {sorted(unknown)}")
    return template
