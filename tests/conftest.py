"""Session fixtures: each profile's synthesized templates (see tests/support.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# jsii runs Node from PATH: use the virtualenv's supported Node LTS, never the machine's older one.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"

from tests.support import PROFILES, Synth, synth_profile


@pytest.fixture(scope="session", params=PROFILES)
def synth(request: pytest.FixtureRequest) -> Synth:
    """Parametrised over every profile."""
    return synth_profile(request.param)


@pytest.fixture(scope="session")
def dev() -> Synth:
    return synth_profile("dev")


@pytest.fixture(scope="session")
def prod() -> Synth:
    return synth_profile("prod")


@pytest.fixture(scope="session")
def full() -> Synth:
    return synth_profile("full")
