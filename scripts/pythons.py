"""Run the interpreter-dependent tests on each other supported Python, each in its own virtualenv.

    python -m scripts.pythons 3.12 3.13           # build what is missing, then run the tests on each
    python -m scripts.pythons --setup 3.12 3.13   # only build (make setup, beside the other installs)

For each version: find an interpreter (PATH, then pyenv's versions, whose shims fail without PYENV_VERSION), build
`.venv-py<version>` with requirements-dev.txt (again only when a requirements file changed), and run tests/unit
without the long tests (marker `long`) and those that drive make targets (make runs the default virtualenv's
interpreter, so another interpreter would only repeat them); `make test` runs both on the default interpreter.
A version that is not installed is skipped with one line saying so; a failing install or test run fails the
command. The script needs only the standard library, so setup can run it before any virtualenv exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = (REPO / "requirements.txt", REPO / "requirements-tools.txt", REPO / "requirements-dev.txt")
PYTEST = ["-m", "pytest", "tests/unit", "-n", "2", "-q", "-m", "not aws and not long and not runs_make"]
_VERSION = re.compile(r"^3\.\d+$")


def _reports(path: str, version: str) -> bool:
    """True when `path` runs and is `version` with venv and pip available (a pyenv shim without a version fails)."""
    probe = "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"
    try:
        result = subprocess.run(  # noqa: S603 - our own probe, run by the interpreters found above
            [path, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))


def find_python(version: str) -> str | None:
    """An interpreter of `version` (e.g. "3.12"), or None."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installed = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), key=_version_key, reverse=True)
    candidates += [str(path) for path in installed]
    candidates += [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"]
    return next((path for path in candidates if path and _reports(path, version)), None)


def _venv(version: str, python: str) -> Path | None:
    """`.venv-py<version>` with the pinned development requirements, reinstalled only when they change.

    None, after one line saying so, when the virtualenv or its packages cannot be installed.
    """
    venv = REPO / f".venv-py{version}"
    stamp = venv / ".dev-installed"
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([python, "-m", "venv", str(venv)], check=True)  # noqa: S603 - an interpreter we probed
        if not stamp.exists() or any(path.stat().st_mtime > stamp.stat().st_mtime for path in REQUIREMENTS):
            subprocess.run([*pip, "-r", str(REPO / "requirements-dev.txt")], check=True, cwd=REPO)  # noqa: S603
            stamp.touch()
    except subprocess.CalledProcessError as error:
        print(f"python {version}: could not build {venv.name} ({' '.join(error.cmd[-3:])} exited {error.returncode})")
        return None
    return venv


def main(args: list[str]) -> int:
    setup_only = "--setup" in args
    versions = [arg for arg in args if arg != "--setup"]
    if not all(_VERSION.match(version) for version in versions):
        print("usage: python -m scripts.pythons [--setup] 3.12 [3.13 ...]", file=sys.stderr)
        return 2
    failed = []
    for version in versions:
        if version == f"{sys.version_info.major}.{sys.version_info.minor}":
            print(f"python {version}: the default interpreter (.venv), tested in full already")
            continue
        python = find_python(version)
        if python is None:
            print(f"python {version}: not installed, its unit tests skipped (e.g. `pyenv install {version}`)")
            continue
        venv = _venv(version, python)
        if venv is None:
            failed.append(version)
            continue
        if setup_only:
            print(f"python {version}: {venv.name} is up to date")
            continue
        print(f"python {version}: tests/unit with {python}", flush=True)
        result = subprocess.run([str(venv / "bin" / "python"), *PYTEST], cwd=REPO, check=False)  # noqa: S603
        if result.returncode != 0:
            failed.append(version)
    if failed:
        what = "setup" if setup_only else "unit tests"
        print(f"{what} failed on python {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
