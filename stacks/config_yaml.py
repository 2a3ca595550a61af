"""Reading a profile's YAML the way people write it, and remembering where each key was written.

- Booleans follow YAML 1.2: only `true` and `false` (any case). PyYAML implements YAML 1.1, where
  unquoted `OFF`, `no`, `on` and `yes` are booleans, so `mode: OFF` reached the model as `False`.
  Here they stay strings; boolean keys still accept them, because the model reads "on"/"off"/"yes"/
  "no" as booleans.
- A key written twice in one mapping is reported (PyYAML silently keeps the last one).
- Every key and list item keeps its line, so errors can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]
_BOOL_TAG = "tag:yaml.org,2002:bool"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass(frozen=True)
class Duplicate:
    path: Path
    first_line: int
    line: int


@dataclass(frozen=True)
class YamlDocument:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of `path`, or of its nearest ancestor written in the file."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document; `yaml.MarkedYAMLError` (with line and column) on a syntax error."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    document = YamlDocument(data)
    if node is not None:
        _walk(node, (), document, set())
    return document


def _walk(node: yaml.Node, path: Path, document: YamlDocument, seen: set[int]) -> None:
    """Record the line of every key and list item under `node`, and keys written twice."""
    if id(node) in seen:  # an alias of a node already walked
        return
    seen = seen | {id(node)}
    if isinstance(node, yaml.MappingNode):
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            line = key_node.start_mark.line + 1
            child = (*path, key)
            if key in first_lines:
                document.duplicates.append(Duplicate(child, first_lines[key], line))
            first_lines.setdefault(key, line)
            document.lines[child] = line  # the last one wins, as in the parsed data
            _walk(value_node, child, document, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            document.lines[child] = item.start_mark.line + 1
            _walk(item, child, document, seen)
