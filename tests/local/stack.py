"""Starting and stopping `python -m local up` for the tests of tests/local: free ports, the process's own synthesis
of the profile reused through the template cache, a bounded wait for the ready line, and a stop by process id."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from client.outputs import StackOutputs, load_outputs
from local.assembly import write_cache
from local.stack import stop
from tests.support import REPO, synth_profile

START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30


@dataclass(frozen=True)
class LocalStack:
    process: subprocess.Popen[str]
    state_dir: Path
    outputs_path: Path
    outputs: StackOutputs
    ready_line: str
    startup_s: float

    def urls(self) -> dict[str, str]:
        return dict(pair.split("=", 1) for pair in self.ready_line.removeprefix("local stack ready: ").split())


@contextmanager
def local_stack(state_dir: Path, profile: str = "dev") -> Iterator[LocalStack]:
    """`python -m local up` on free ports (0 for every port) until the block ends."""
    synth = synth_profile(profile)
    write_cache(
        profile,
        state_dir / "cache",
        [{"id": i, "name": synth.stack_names[i], "template": t} for i, t in synth.templates.items()],
    )
    outputs_path = state_dir / "outputs.json"
    command = [sys.executable, "-m", "local", "up", "--profile", profile, "--state-dir", str(state_dir),
               "--outputs", str(outputs_path), "--login-port", "0", "--api-port", "0", "--s3-port", "0",
               "--identity-port", "0", "--web-port", "0"]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ}
    )
    try:
        ready = _read_until_ready(process, started + START_TIMEOUT_S)
        yield LocalStack(
            process, state_dir, outputs_path, load_outputs(outputs_path), ready, time.monotonic() - started
        )
    finally:
        if process.poll() is None:  # unless the test stopped it itself: `make local-stop`'s way
            stop(state_dir, timeout_s=STOP_TIMEOUT_S)
            process.wait(timeout=STOP_TIMEOUT_S)


def _read_until_ready(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    seen = []
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            seen.append(line)
            if line.startswith("local stack ready:"):
                return line.strip()
            continue
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("the local stack did not become ready:\n" + "".join(seen))
