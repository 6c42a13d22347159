"""Complaint numbers as people type them: one function turns any accepted form into the stored one."""

from __future__ import annotations

import re
import unicodedata

#: A stored complaint number: upper-case letters and digits (`T261122ABCDEF`).
NUMBER = re.compile(r"[0-9A-Z]{1,20}")


def normalise_number(value: str | None) -> str | None:
    """The number as stored, or None when `value` cannot be one.

    Accepted: surrounding spaces, lower case, full-width letters and digits (a Chinese keyboard), so
    `  t261122abcdef `, `Ｔ２６１１２２ＡＢＣＤＥＦ` and `T261122ABCDEF` are the same number. A tail
    (`ABCDEF`, as the chat accepts) passes too; whether it names a complaint is for the caller to find.
    """
    if not isinstance(value, str):
        return None
    plain = unicodedata.normalize("NFKC", value).strip().upper()
    return plain if plain.isascii() and NUMBER.fullmatch(plain) else None
