"""The mini-program API's blueprint, `/api/mp/v1`, with its envelope's error handlers; the views
(`miniprogram_api.<resource>`) attach their routes to it."""

from flask import Blueprint

from miniprogram_api import envelope

bp = Blueprint("mp", __name__, url_prefix=envelope.PREFIX)
envelope.register_error_handlers(bp)
