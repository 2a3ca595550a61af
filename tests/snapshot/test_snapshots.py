"""One normalised snapshot per stack and profile.

Asset hashes are masked, and so is the hash in the logical id of a function's published version (CDK's
`currentVersion`, used with SnapStart: its last 32 hex digits hash the function's properties, code included), so
editing Lambda code does not change a snapshot; a snapshot changes only when infrastructure changes. Review the
diff, then refresh with `pytest tests/snapshot --snapshot-update`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.support import Synth

_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_VERSION_HASH = re.compile(r"(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b")


def normalise(template: dict[str, Any]) -> Any:
    text = _ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True))
    return json.loads(_VERSION_HASH.sub(r"\1<version-hash>", text))


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", ["Auth", "Api"])
def test_template_snapshot(synth: Synth, stack: str, snapshot_json: SnapshotAssertion) -> None:
    assert normalise(synth.templates[stack]) == snapshot_json


def test_normalise_masks_asset_hashes_only() -> None:
    version = "FnCurrentVersion15173D6B5f9d13e501593891c68256fc3601197c"
    template = {
        "Code": {"S3Key": f"{'ab' * 32}.zip"},
        "Name": "keep",
        "Short": "abc123",
        "Alias": {"FunctionVersion": {"Fn::GetAtt": [version, "Version"]}},
        "FnServiceRole15173D6B": "keep",
    }
    assert normalise(template) == {
        "Code": {"S3Key": "<asset-hash>.zip"},
        "Name": "keep",
        "Short": "abc123",
        "Alias": {"FunctionVersion": {"Fn::GetAtt": ["FnCurrentVersion15173D6B<version-hash>", "Version"]}},
        "FnServiceRole15173D6B": "keep",
    }
