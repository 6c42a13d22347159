"""Flask's cookie session, with its signer built once per app instead of on every request.

Flask opens the session on every request; with a SECRET_KEY set, the stock interface builds a new
itsdangerous serializer each time (measurable on the scan path, which never uses the session).
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CachedSignerSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict = {}

    def get_signing_serializer(self, app):
        key = (id(app), app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = super().get_signing_serializer(app)
            self._signers[key] = signer
        return signer
