"""Path and schema registry for the OpenAPI document.

Each area registers its operations with `operation(...)`; components come from pydantic models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

PREFIX = "/api/mp/v1"
_paths: dict[str, dict[str, Any]] = {}
_models: dict[str, type[BaseModel]] = {}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable snake_case code"},
                "message": {"type": "string", "description": "中文说明"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
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
    errors: dict[int, str] | None = None,
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
    errors = dict(errors or {})
    # What every operation of its shape can answer (miniprogram_api.envelope, miniprogram_api.auth).
    if auth:
        errors.setdefault(401, "login_required / token_invalid：未登录或登录失效")
    if body is not None:
        errors.setdefault(400, "invalid_json：请求内容不是有效的 JSON")
        errors.setdefault(422, "validation_failed：字段有误，见 error.fields")
    if any(p.get("in") == "query" for p in parameters or ()):
        errors.setdefault(422, "validation_failed：参数有误，见 error.fields")
    for code, why in sorted(errors.items()):
        op["responses"][str(code)] = {
            "description": why,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
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
    return {
        "openapi": "3.1.0",
        "info": {"title": "一店一码 小程序接口", "version": "1.0.0"},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(_paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def described_paths() -> dict[str, set[str]]:
    return {path: set(ops) for path, ops in _paths.items()}
