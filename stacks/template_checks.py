"""Checks on synthesized templates that CDK itself does not fail on.

CloudFormation rejects a template whose resources depend on each other in a cycle, but only at
deploy time; `check_cycles` finds such a cycle offline (Ref, Fn::GetAtt, Fn::Sub and DependsOn).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk.cx_api as cx_api

_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


class CycleError(Exception):
    """Resources of a template depend on each other in a cycle."""


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                yield str(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                yield from _SUB_REFERENCE.findall(str(text))
                yield from _references(value[1] if isinstance(value, list) and len(value) > 1 else None)
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    resources: dict[str, Any] = template.get("Resources", {})
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        edges = set(_references(resource.get("Properties", {}))) | set(
            [depends_on] if isinstance(depends_on, str) else depends_on
        )
        graph[logical_id] = {target for target in edges if target in resources and target != logical_id}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of logical IDs (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def check_cycles(assembly: cx_api.CloudAssembly) -> None:
    for stack in assembly.stacks:
        template = json.loads(Path(stack.template_full_path).read_text(encoding="utf-8"))
        if cycle := find_cycle(dependency_graph(template)):
            raise CycleError(f"{stack.stack_name}: circular dependency between resources: {' -> '.join(cycle)}")
