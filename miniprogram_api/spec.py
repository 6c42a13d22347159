"""Path and schema registry for the OpenAPI document.

Each area registers its operations with `operation(...)`; components come from pydantic models. Errors
are listed by code per status; the document shows each with its Chinese message (`app.core.texts.ERRORS`)
as an example. Every request body and answer gets an example composed from its fields' examples.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from app.core.texts import ERRORS

PREFIX = "/api/mp/v1"
_paths: dict[str, dict[str, Any]] = {}
_models: dict[str, type[BaseModel]] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "description": "出错时的说明（成功时没有 error，只有 data）",
            "required": ["code", "message"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "错误代码：稳定的 snake_case，程序据此判断（每个接口可能的取值见其各状态码的 examples）",
                    "examples": ["validation_failed"],
                },
                "message": {
                    "type": "string",
                    "description": "中文说明，可直接展示给用户",
                    "examples": [ERRORS["validation_failed"]],
                },
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "validation_failed 时：字段名 → 该字段的中文问题说明",
                    "examples": [{"phone": "请填写正确的手机号"}],
                },
            },
        }
    },
}


def _ref(model: type[BaseModel]) -> dict:
    _models[model.__name__] = model
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    response: type[BaseModel] | None = None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    auth: bool = False,
    errors: dict[int, list[str]] | None = None,
    parameters: list[dict] | None = None,
    headers: list[dict] | None = None,
    multipart: bool = False,
) -> None:
    op: dict[str, Any] = {"summary": summary, "responses": {}}
    ok_schema: dict = {"type": "object", "properties": {"data": _ref(response) if response else {}}}
    op["responses"][str(status)] = {
        "description": "成功",
        "content": {"application/json": {"schema": ok_schema}},
    }
    errors = {status: list(codes) for status, codes in (errors or {}).items()}
    # What every operation of its shape can answer (miniprogram_api.envelope, miniprogram_api.auth).
    if auth:
        _add(errors, 401, "login_required", "token_invalid")
    if body is not None:
        _add(errors, 400, "invalid_json")
        _add(errors, 422, "validation_failed")
    if any(p.get("in") == "query" for p in parameters or ()):
        _add(errors, 422, "validation_failed")
    for code, codes in sorted(errors.items()):
        op["responses"][str(code)] = {
            "description": "；".join(f"{c}：{ERRORS[c]}" for c in codes),
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {c: {"summary": ERRORS[c], "value": error_example(c)} for c in codes},
                }
            },
        }
    params = list(parameters or []) + list(headers or [])
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    if multipart:
        op["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    if auth:
        op["security"] = [{"bearer": []}]
    _paths.setdefault(PREFIX + path, {})[method.lower()] = op


def _add(errors: dict[int, list[str]], status: int, *codes: str) -> None:
    listed = errors.setdefault(status, [])
    listed.extend(c for c in codes if c not in listed)


def error_example(code: str) -> dict:
    body: dict = {"code": code, "message": ERRORS[code]}
    if code == "validation_failed":
        body["fields"] = {"phone": "请填写正确的手机号"}
    return {"error": body}


def example_of(schema: dict, components: dict, depth: int = 0) -> Any:
    """An example value for `schema`, composed from the examples of its fields (first example, else the
    first enum value, else the default); None where there is nothing to compose from."""
    if "$ref" in schema:
        return example_of(components[schema["$ref"].rsplit("/", 1)[1]], components, depth)
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return schema["enum"][0]
    if depth > 8:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, ()):
            if option.get("type") != "null":
                value = example_of(option, components, depth + 1)
                if value is not None:
                    return value
    if schema.get("type") == "object" or "properties" in schema:
        return {
            name: example_of(prop, components, depth + 1)
            for name, prop in schema.get("properties", {}).items()
        }
    if schema.get("type") == "array":
        item = example_of(schema.get("items", {}), components, depth + 1)
        return [] if item is None else [item]
    return schema.get("default")


def path_param(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def query_param(name: str, description: str, required: bool = False, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema or {"type": "string"},
        "description": description,
    }


def build_document() -> dict:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for name, model in list(_models.items()):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for sub_name, sub in schema.pop("$defs", {}).items():
            schemas[sub_name] = sub
        schemas[name] = schema
    paths = copy.deepcopy(dict(sorted(_paths.items())))
    _add_examples(paths, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "一店一码 小程序接口", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _add_examples(paths: dict, components: dict) -> None:
    """An `example` on every JSON request body and success answer that has none yet."""
    for ops in paths.values():
        for op in ops.values():
            bodies = [op.get("requestBody", {}).get("content", {}).get("application/json")]
            bodies += [r.get("content", {}).get("application/json") for r in op["responses"].values()]
            for media in filter(None, bodies):
                if "example" not in media and "examples" not in media:
                    media["example"] = example_of(media["schema"], components)


def described_paths() -> dict[str, set[str]]:
    return {path: set(ops) for path, ops in _paths.items()}
