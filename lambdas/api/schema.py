"""The API's data shapes, declared once: requests are checked against them, and api.openapi writes them into the
OpenAPI document as JSON Schema (2020-12, the dialect of OpenAPI 3.1).

Plain Python, not pydantic: importing pydantic and building its models costs more than a whole cold start of this
function may add (decision 18, measured by `make bench`). Only what the API uses is here: strings with a length
and a pattern, bounded integers, booleans, lists, string maps, nullable values and objects with fixed properties.
A request value is checked strictly: no coercion, no extra properties. Messages name the rule, never the value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple


class SchemaError(Exception):
    """Values that break their schema; `problems` are "<location>: <rule>" lines, safe to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


if TYPE_CHECKING:
    from typing import Protocol

    class Schema(Protocol):
        def check(self, value: object, where: str) -> Any:
            """`value` if it is valid, else raise SchemaError naming `where`."""
            ...

        def json_schema(self) -> dict[str, Any]: ...


def _problem(where: str, rule: str) -> SchemaError:
    return SchemaError([f"{where}: {rule}"])


@functools.cache
def _whole(pattern: str) -> re.Pattern[str]:
    """A "^...$" pattern, matched against the whole value as JSON Schema means it (Python's `$` alone would also
    accept a trailing newline)."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        raise ValueError(f"pattern {pattern!r} must be anchored as ^...$")
    return re.compile(pattern[1:-1])


# NamedTuples rather than dataclasses: each dataclass costs a few milliseconds to create at import (`make bench`).
class Text(NamedTuple):
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None  # "^...$", ASCII classes only, so that Python and ECMA-262 read it alike
    format: str | None = None  # documentation only, e.g. "date-time" for response values
    description: str | None = None

    def check(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise _problem(where, "must be a string")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, e.g. from the JSON escape "\ud800"
            raise _problem(where, "must be valid Unicode") from None
        if len(value) < self.min_length:
            raise _problem(where, f"must be at least {self.min_length} character{'s' * (self.min_length != 1)}")
        if self.max_length is not None and len(value) > self.max_length:
            raise _problem(where, f"must be at most {self.max_length} characters")
        if self.pattern is not None and not _whole(self.pattern).fullmatch(value):
            raise _problem(where, f"must match {self.pattern}")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        if self.format is not None:
            schema["format"] = self.format
        return _described(schema, self.description)


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,19}")


class Integer(NamedTuple):
    minimum: int | None = None
    maximum: int | None = None
    description: str | None = None

    def check(self, value: object, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _problem(where, "must be an integer")
        if self.minimum is not None and value < self.minimum:
            raise _problem(where, f"must be at least {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise _problem(where, f"must be at most {self.maximum}")
        return value

    def from_text(self, text: str, where: str) -> int:
        """A query or environment value: ASCII digits with an optional sign (int() would also take "1_0", " 1"
        and other scripts' digits)."""
        if not _INTEGER_TEXT.fullmatch(text):
            raise _problem(where, "must be an integer")
        return self.check(int(text), where)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return _described(schema, self.description)


class Boolean(NamedTuple):
    description: str | None = None

    def check(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise _problem(where, "must be true or false")
        return value

    def json_schema(self) -> dict[str, Any]:
        return _described({"type": "boolean"}, self.description)


class Const(NamedTuple):
    value: str

    def check(self, value: object, where: str) -> str:
        if value != self.value:
            raise _problem(where, f"must be {self.value!r}")
        return self.value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "const": self.value}


class ListOf(NamedTuple):
    items: Schema
    description: str | None = None

    def check(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise _problem(where, "must be a list")
        return [self.items.check(item, f"{where}.{index}") for index, item in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        return _described({"type": "array", "items": _reference(self.items)}, self.description)


class MapOf(NamedTuple):
    values: Schema
    description: str | None = None

    def check(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _problem(where, "must be an object")
        return {key: self.values.check(item, f"{where}.{key}") for key, item in value.items()}

    def json_schema(self) -> dict[str, Any]:
        return _described({"type": "object", "additionalProperties": _reference(self.values)}, self.description)


class Nullable(NamedTuple):
    inner: Schema
    description: str | None = None

    def check(self, value: object, where: str) -> Any:
        return None if value is None else self.inner.check(value, where)

    def json_schema(self) -> dict[str, Any]:
        return _described({"anyOf": [_reference(self.inner), {"type": "null"}]}, self.description)


class Property(NamedTuple):
    name: str
    schema: Schema
    required: bool = True
    default: Any = None


class Object(NamedTuple):
    """An object with fixed properties; documented once under components/schemas as `name`."""

    name: str
    properties: tuple[Property, ...]
    description: str | None = None

    def check(self, value: object, where: str) -> dict[str, Any]:
        """The object with every property (absent optional ones at their default); every problem is reported."""
        if not isinstance(value, Mapping):
            raise _problem(where, "must be a JSON object")
        known = {prop.name for prop in self.properties}
        problems = [
            f"{where}.{str(name)[:64]}: is not a property of {self.name}" for name in value if name not in known
        ]
        checked: dict[str, Any] = {}
        for prop in self.properties:
            if prop.name not in value:
                if prop.required:
                    problems.append(f"{where}.{prop.name}: Field required")
                checked[prop.name] = prop.default
                continue
            try:
                checked[prop.name] = prop.schema.check(value[prop.name], f"{where}.{prop.name}")
            except SchemaError as error:
                problems += error.problems
        if problems:
            raise SchemaError(problems)
        return checked

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {prop.name: _reference(prop.schema) for prop in self.properties},
            "additionalProperties": False,
        }
        required = [prop.name for prop in self.properties if prop.required]
        if required:
            schema["required"] = required
        return _described(schema, self.description)

    def objects(self) -> list[Object]:
        """This object and every object its properties refer to, each once."""
        found: dict[str, Object] = {}
        pending: list[Schema] = [self]
        while pending:
            schema = pending.pop()
            if isinstance(schema, Object):
                if schema.name in found:
                    continue
                found[schema.name] = schema
                pending += [prop.schema for prop in schema.properties]
            elif isinstance(schema, ListOf):
                pending.append(schema.items)
            elif isinstance(schema, MapOf):
                pending.append(schema.values)
            elif isinstance(schema, Nullable):
                pending.append(schema.inner)
        return list(found.values())


def reference(obj: Object) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{obj.name}"}


def _reference(schema: Schema) -> dict[str, Any]:
    return reference(schema) if isinstance(schema, Object) else schema.json_schema()


def _described(schema: dict[str, Any], description: str | None) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema
