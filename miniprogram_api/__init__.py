"""The mini-program API, `/api/mp/v1`: thin views over `app.services`, one JSON envelope."""

from flask import Blueprint

bp = Blueprint("mp", __name__, url_prefix="/api/mp/v1")

from miniprogram_api import complaints, envelope, openapi, phone, session, stores, uploads  # noqa: E402, F401  (routes register on import)

envelope.register_error_handlers(bp)
