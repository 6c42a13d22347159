"""What several command groups share: one change committed, or refused with its Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from app.core.errors import DomainError
from app.core.extensions import db

T = TypeVar("T")


class Refused(click.ClickException):
    """Exit code 1 with the Chinese message only."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def message(exc: DomainError) -> str:
    return "；".join(f"{k}：{v}" if k else v for k, v in exc.fields.items()) if exc.fields else exc.message


def commit(change: Callable[[], T]) -> T:
    """Run one change and commit it, or roll back and exit 1 with its Chinese message."""
    try:
        result = change()
    except DomainError as exc:
        db.session.rollback()
        raise Refused(message(exc)) from exc
    db.session.commit()
    return result
