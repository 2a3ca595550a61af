"""checkov over every profile's synthesized templates: no failed check.

checkov pins an old boto3, so it lives in its own virtualenv (.venv-checkov, made by `make setup`).
Every skipped check is listed with its reason in .checkov.yaml. One run over every profile's stacks: checkov's own
start-up (loading its checks) costs more than reading a template.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.support import PROFILES, REPO, synth_profile

CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
# Offline: no update check against PyPI, no policy metadata from the Prisma Cloud platform.
OFFLINE = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "BC_SKIP_MAPPING": "TRUE"}


def test_checkov_fails_no_check() -> None:
    assert CHECKOV.exists(), f"checkov is not installed at {CHECKOV}: run `make setup`"
    synths = [synth_profile(profile) for profile in PROFILES]
    templates = sorted(str(path) for synth in synths for path in synth.outdir.glob("*.template.json"))
    assert len(templates) == sum(len(synth.templates) for synth in synths)
    command = [str(CHECKOV), "--config-file", ".checkov.yaml", "--framework", "cloudformation", "-o", "json"]
    result = subprocess.run(
        [*command, "--quiet", *(arg for template in templates for arg in ("-f", template))],
        cwd=REPO,
        env={**os.environ, **OFFLINE},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr  # 1: failed checks, listed below
    report = json.loads(result.stdout)
    summary = report["summary"]
    # Then checkov read every resource of every template
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] == sum(len(t["Resources"]) for synth in synths for t in synth.templates.values())
    failed = [
        f"{check['check_id']} {check['check_name']}: {check['file_path']} {check['resource']}"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
