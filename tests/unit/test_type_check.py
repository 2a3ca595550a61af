"""The type check follows exactly the aws-cdk-lib modules the checked code imports (pyproject.toml, [tool.mypy])."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def checked_paths() -> list[Path]:
    """What `make lint` type-checks: the arguments of its mypy lines."""
    lines = re.findall(r"^\t.*\bmypy ([^\n]+)$", (REPO / "Makefile").read_text(), flags=re.MULTILINE)
    assert len(lines) == 2, lines
    return [REPO / name for line in lines for name in line.split()]


def imported_cdk_modules() -> set[str]:
    modules: set[str] = set()
    for path in checked_paths():
        for source in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name for alias in node.names if alias.name.split(".")[0] == "aws_cdk"}
                elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "aws_cdk":
                    modules.add(str(node.module))
                    if node.module == "aws_cdk":  # `from aws_cdk import aws_iam`: a module; `import Duration`: not
                        modules |= {f"aws_cdk.{a.name}" for a in node.names if a.name.startswith(("aws_", "cx_"))}
    return modules


def followed_cdk_modules() -> set[str]:
    overrides = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    return {module for o in overrides if o.get("follow_imports") == "normal" for module in o["module"]}


def test_the_type_check_follows_every_cdk_module_the_code_imports_and_no_other() -> None:
    imported = imported_cdk_modules()
    assert {"aws_cdk", "aws_cdk.aws_cognito", "aws_cdk.aws_iam"} <= imported  # the scan finds imports at all
    assert followed_cdk_modules() == imported
