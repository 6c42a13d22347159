"""The live server and the phone page of the public pages' browser tests, for the staff pages too."""

from tests.web.conftest import live_server, phone  # noqa: F401  (pytest fixtures, shared)
