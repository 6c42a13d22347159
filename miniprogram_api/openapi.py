"""The OpenAPI 3.1 document for `/api/mp/v1`, served at `/api/mp/v1/openapi.json`.

Paths are described here, next to each other, so the contract reads as one document; component
schemas come from the pydantic models in `miniprogram_api.schemas`. A test checks that every route
of the blueprint is described.
"""

from __future__ import annotations

from flask import jsonify

from miniprogram_api.blueprint import bp
from miniprogram_api.spec import build_document


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
