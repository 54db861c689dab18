"""The open API's document (handlers/api/openapi.yaml) and the request checks the code draws from it.

Parameters and bodies are checked with jsonschema against the document's own schemas, so what the document
promises and what the code accepts cannot drift apart. The report schema is embedded from
scoring/report.schema.json when the document is loaded.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from handlers.api.core import ApiError
from scoring.report import load_schema

SPEC_PATH = Path(__file__).with_name("openapi.yaml")
MAX_DETAILS = 20


@functools.lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The OpenAPI document, with the report schema embedded."""
    doc = yaml.safe_load(SPEC_PATH.read_text("utf-8"))
    schemas = doc["components"]["schemas"]
    report = load_schema()
    for name, sub in report.pop("$defs", {}).items():
        schemas[f"Report_{name}"] = _rename_refs(sub)
    report = {k: v for k, v in report.items() if k not in ("$schema", "$id")}
    schemas["Report"] = _rename_refs(report)
    return doc


@functools.lru_cache(maxsize=1)
def document_json() -> str:
    """The document as served at /openapi.json."""
    return json.dumps(document(), ensure_ascii=False, indent=1)


@functools.lru_cache(maxsize=1)
def document_yaml() -> str:
    """The document as served at /openapi.yaml."""
    return yaml.safe_dump(document(), allow_unicode=True, sort_keys=False, width=120)


def _rename_refs(node: Any) -> Any:
    """Point the report schema's #/$defs/x references at the components they become."""
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/Report_") if k == "$ref" else _rename_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v) for v in node]
    return node


def _end_anchored(validator, pattern: str, instance: Any, schema: dict) -> Any:
    # JSON Schema patterns are ECMA-262, where $ ends the string; Python's $ also matches before a final newline,
    # so "teller\n" would pass ^[a-z]+$. \Z keeps the document's meaning.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    yield from jsonschema.Draft202012Validator.VALIDATORS["pattern"](validator, pattern, instance, schema)


Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _end_anchored})


@functools.lru_cache(maxsize=64)
def _validator(pointer: str) -> Any:
    """A validator for the schema at pointer (a JSON pointer into the document), $refs resolved."""
    return Validator({**document(), "$ref": f"#{pointer}"})  # the document is the root its $refs resolve in


def _pointer(parts: Any) -> str:
    return "".join(f"/{_escape(str(p))}" for p in parts)


def _leaf(error: ValidationError) -> ValidationError:
    return best_match([error]) if error.context else error


def check(instance: Any, pointer: str, where: str = "") -> None:
    """Raise a 422 naming every place instance breaks the schema at pointer (where: the path prefix)."""
    errors = sorted(_validator(pointer).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    leaves = [_leaf(e) for e in errors]
    details = [{"path": where + _pointer(e.absolute_path), "message": _message(e)} for e in leaves[:MAX_DETAILS]]
    first = details[0]
    raise ApiError(422, "invalid_request", f"{first['path'] or '/'}: {first['message']}", path=first["path"],
                   details=details)


def _message(error: ValidationError) -> str:
    """jsonschema's message, without echoing a long value back (a 10,000-character name stays in the request)."""
    if error.validator == "anyOf" and all(set(branch) == {"required"} for branch in error.validator_value):
        names = [name for branch in error.validator_value for name in branch["required"]]
        return f"needs at least one of {', '.join(names)}"
    message, shown = error.message, repr(error.instance)
    if len(shown) > 60:
        message = message.replace(shown, f"the {type(error.instance).__name__} value of length {len(error.instance)}"
                                  if isinstance(error.instance, (str, list, dict)) else "the value")
    return message.replace(r"\\Z'", "$'")[:300]


def path_template(rule: str) -> str:
    """The document's path for a Flask rule under the blueprint: /api/v1/x/<int:x_id> → /x/{x_id}."""
    path = rule.removeprefix(document()["servers"][0]["url"])
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)


@dataclass(frozen=True)
class Operation:
    """One documented operation: its path template, method and definition."""

    path: str
    method: str
    spec: dict[str, Any]

    @property
    def pointer(self) -> str:
        """Its JSON pointer in the document."""
        return f"/paths/{_escape(self.path)}/{self.method}"


def operation(rule: str, method: str) -> Operation | None:
    """The document's operation behind a Flask rule and method, if it documents one."""
    path, method = path_template(rule), method.lower()
    spec = document()["paths"].get(path, {}).get(method)
    return None if spec is None else Operation(path, method, spec)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref."""
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def template_for(path: str) -> str | None:
    """The document's path a request path falls under (/api/v1/candidates/7 → /candidates/{candidate_id})."""
    prefix = document()["servers"][0]["url"]
    if not path.startswith(prefix + "/"):
        return None
    tail = path.removeprefix(prefix)
    return next((template for template in document()["paths"]
                 if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)), tail)), None)


def allowed_methods(path: str) -> list[str] | None:
    """The methods the document allows at a request path, or None when it documents no such path."""
    template = template_for(path)
    if template is None:
        return None
    return sorted(m.upper() for m in document()["paths"][template] if m in ("get", "post", "put", "patch", "delete"))


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    """A query or path value as the JSON type its schema wants; left as text when it is not one."""
    kind = resolve(schema).get("type")
    if kind == "integer" and re.fullmatch(r"[+-]?\d{1,30}", raw):
        return int(raw)
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def parameters(op: Operation, path_values: dict[str, Any], args: Any, headers: Any) -> dict[str, Any]:
    """Check the operation's documented parameters; return the query values, parsed and with defaults."""
    values: dict[str, Any] = {}
    for index, raw in enumerate(op.spec.get("parameters", [])):
        param = resolve(raw)
        where_in_doc = raw["$ref"].removeprefix("#") if "$ref" in raw else f"{op.pointer}/parameters/{index}"
        name, where, schema = param["name"], param["in"], param["schema"]
        if where == "path":
            present, value = name in path_values, str(path_values.get(name, ""))
        elif where == "query":
            present, value = name in args, args.get(name, "")
        else:
            present, value = name in headers, headers.get(name, "")
        if not present:
            if param.get("required"):
                raise ApiError(422, "invalid_request", f"{where} parameter {name} is required", path=f"/{where}/{name}")
            if where == "query":
                values[name] = resolve(schema).get("default")
            continue
        if where == "query" and len(args.getlist(name)) > 1:
            raise ApiError(422, "invalid_request", f"query parameter {name} is given twice", path=f"/query/{name}")
        parsed = _coerce(value, schema)
        check(parsed, f"{where_in_doc}/schema", f"/{where}/{name}")
        if where == "query":
            values[name] = parsed
    return values


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def body_pointer(op: Operation) -> str | None:
    """The JSON pointer of the operation's application/json body schema, or None when it takes no body."""
    if "application/json" not in op.spec.get("requestBody", {}).get("content", {}):
        return None
    return f"{op.pointer}/requestBody/content/application~1json/schema"


def check_body(instance: Any, pointer: str) -> None:
    """Check a body against its schema; a oneOf of an object and an array is checked against the branch of the
    body's own type, so the errors name fields rather than 'not valid under any of the given schemas'."""
    node: Any = document()
    for part in pointer.removeprefix("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    kind = "array" if isinstance(instance, list) else "object" if isinstance(instance, dict) else None
    for index, branch in enumerate(node.get("oneOf", [])):
        if kind and resolve(branch).get("type") == kind:
            return check(instance, f"{pointer}/oneOf/{index}")
    check(instance, pointer)
