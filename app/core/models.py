"""Shared column types and helpers for the typed SQLAlchemy 2 models."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.core.timeutil import utcnow

T = TypeVar("T")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def enum_column(enum_cls: type[enum.Enum], **kw) -> sa.Enum:
    """Enums are stored by value as short strings, not as native database enums."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        length=32,
        validate_strings=True,
        **kw,
    )


def created_at_column() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def updated_at_column() -> Mapped[dt.datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


MAX_ID = 2**31 - 1  # INTEGER primary keys


def parse_id(value: str | None) -> int | None:
    """A primary key as a person or a form gives it: ASCII digits within INTEGER's range, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def subtree(edges: Iterable[tuple[int, int | None]], root: int) -> set[int]:
    """The ids at or below `root` in a tree given as (id, parent id) pairs (a loop is not followed twice)."""
    children: dict[int | None, list[int]] = {}
    for node, parent in edges:
        children.setdefault(parent, []).append(node)
    found, todo = set(), [root]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


def depth_first(
    nodes: Iterable[T], parent_of: Callable[[T], int | None], roots: Iterable[T]
) -> list[tuple[int, T]]:
    """(depth, node) in tree order from `roots` down, children in the order given (nodes have `id`)."""
    children: dict[int | None, list[T]] = {}
    for node in nodes:
        children.setdefault(parent_of(node), []).append(node)
    out: list[tuple[int, T]] = []
    todo = [(0, r) for r in reversed(list(roots))]
    seen: set[int] = set()
    while todo:
        depth, node = todo.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        out.append((depth, node))
        todo.extend((depth + 1, c) for c in reversed(children.get(node.id, [])))
    return out
