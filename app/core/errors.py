"""Domain errors: a stable machine code, an HTTP status and a Chinese message.

Services raise these; each surface (JSON API, H5 page, official-account reply, CLI) renders them once.
Messages live in `app.core.texts.ERRORS` so the Chinese wording can be reviewed in one place.
"""

from __future__ import annotations

from app.core.texts import ERRORS


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        fields: dict[str, str] | None = None,
    ):
        self.code = code
        self.message = message or ERRORS.get(code, ERRORS["bad_request"])
        if status is not None:
            self.status = status
        self.fields = fields or None
        super().__init__(f"{code}: {self.message}")

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationFailed(DomainError):
    status = 422

    def __init__(self, fields: dict[str, str], code: str = "validation_failed"):
        super().__init__(code, fields=fields)


class NotFound(DomainError):
    status = 404


class Gone(DomainError):
    status = 410


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class TooMany(DomainError):
    status = 429


class Unavailable(DomainError):
    status = 503
