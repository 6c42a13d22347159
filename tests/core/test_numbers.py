"""Complaint numbers in every form a person types them, turned into the stored one by one function."""

import pytest

from app.core.numbers import normalise_number


@pytest.mark.parametrize(
    "typed",
    [
        "T261122ABCDEF",
        "t261122abcdef",
        "  T261122ABCDEF\n",
        "Ｔ２６１１２２ＡＢＣＤＥＦ",  # full-width, from a Chinese keyboard
        "\u3000t261122ABCdef\u3000",  # ideographic spaces around
    ],
)
def test_accepted_forms_are_the_stored_number(typed):
    assert normalise_number(typed) == "T261122ABCDEF"


@pytest.mark.parametrize(
    "typed", [None, "", "   ", "T2611 22ABC", "T261122-ABC", "投诉T261122", "T" * 21, 12345, "İ1"]
)
def test_anything_else_is_no_number(typed):
    assert normalise_number(typed) is None
