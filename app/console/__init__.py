"""The regulators' web console under `/admin`: thin views over `accounts`, `audit`, `directory` and
`stores`, with its templates and its own static files (no CDN: it runs on a government intranet).

May import: every domain package; nothing imports it but the app factory.
"""

from app.console import directory_views  # noqa: F401  (registers its pages on the blueprint)
from app.console.views import bp

__all__ = ["bp"]
