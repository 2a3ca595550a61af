"""Test support: profiles and their synthesized templates, built once per test process.

The app is built through the same factory as `app.py`, with `cdk.json`'s context (feature flags),
so what the tests check is what deploys.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacks import names
from stacks.config import AppConfig, load_raw, parse_config, read_yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
PROFILES = ("dev", "prod", "full")


def raw_profile(profile: str) -> dict[str, Any]:
    """The raw mapping of a profile; `full` is dev plus tests/fixtures/profiles/full.yaml."""
    if profile == "full":
        overrides = read_yaml(FIXTURES / "profiles" / "full.yaml", "tests/fixtures/profiles/full.yaml").data
        return {**load_raw("dev"), **overrides}
    return load_raw(profile)


def profile_config(profile: str) -> AppConfig:
    return parse_config(raw_profile(profile), profile=profile)


def cdk_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"]
    return context


@dataclass(frozen=True)
class Synth:
    """One synthesized profile: templates and CloudFormation stack names by stack id, the assembly dir."""

    profile: str
    config: AppConfig
    templates: dict[str, dict[str, Any]]
    stack_names: dict[str, str]
    outdir: Path

    def template(self, stack: str) -> Any:
        from aws_cdk.assertions import Template

        return Template.from_json(self.templates[stack])


_CACHE: dict[str, Synth] = {}


def synth_profile(profile: str) -> Synth:
    """Synthesize a profile once per process (the first synth costs seconds, later ones less)."""
    if profile not in _CACHE:
        from stacks.app_factory import build_app

        config = profile_config(profile)
        outdir = Path(tempfile.mkdtemp(prefix=f"cdk-{profile}-"))
        assembly = build_app(config, context=cdk_context(), outdir=str(outdir)).synth()
        templates = {stack.id: stack.template for stack in assembly.stacks}
        stack_names = {stack.id: stack.stack_name for stack in assembly.stacks}
        _CACHE[profile] = Synth(profile, config, templates, stack_names, outdir)
    return _CACHE[profile]


# Keys that must make the whole round trip (upload, list, download, delete) through a deployed API: every character
# that URL encoding, API Gateway's decoding or Unicode normalisation could change (issue 12).
ROUND_TRIP_KEYS = (
    "photos/cat.jpg",
    "e2e/notes with spaces.txt",
    "100% done.txt",
    "literal%2Fslash.txt",
    "why?.txt",
    "c#/notes #1.md",
    "a+b=c&d.txt",
    "price \u20ac.txt",
    "caf\u00e9.txt",  # NFC
    "cafe\u0301-nfd.txt",  # NFD: the API stores and lists it as NFC
    "emoji \U0001f600.png",
)


def create_records_table(dynamodb: Any, table: str) -> None:
    """The records table as stacks/constructs/records_table.py defines it (keys from stacks.names), in moto."""
    dynamodb.create_table(
        TableName=table,
        KeySchema=[
            {"AttributeName": names.RECORD_PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": names.RECORD_SORT_KEY, "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": names.RECORD_PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": names.RECORD_SORT_KEY, "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
