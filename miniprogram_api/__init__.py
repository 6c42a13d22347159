"""The mini-program API, `/api/mp/v1`: thin views over the domain packages, one JSON envelope.

`blueprint` holds the blueprint; each resource module (`complaints`, `openapi`, `phone`, `session`,
`stores`, `uploads`) attaches its routes to it, so importing this package registers them all.
"""

from miniprogram_api import complaints, openapi, phone, session, stores, uploads  # noqa: F401  (routes register on import)
from miniprogram_api.blueprint import bp

__all__ = ["bp"]
