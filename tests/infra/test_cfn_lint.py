"""cfn-lint over every profile's cloud assembly: no error, no warning, no unreviewed informational check.

The configuration (.cfnlintrc.yaml) switches informational checks on and lists, with a reason, the
ones ignored for generated code.
"""

from __future__ import annotations

from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner

from tests.support import REPO, Synth


def test_cfn_lint_finds_nothing(synth: Synth) -> None:
    templates = sorted(str(path) for path in synth.outdir.glob("*.template.json"))
    assert len(templates) == len(synth.templates)
    config = ConfigMixIn(["--config-file", str(REPO / ".cfnlintrc.yaml"), "--", *templates])
    matches = [f"{m.filename}:{m.linenumber}: {m.rule.id} {m.message}" for m in Runner(config).run()]
    assert not matches, "\n".join(matches)
