"""core.typed_numbers: how every surface reads a typed number; a comma groups thousands or
is refused (``1,5`` was read as 15, ``1,2,3`` as 123, by eight copies that dropped commas)."""

from __future__ import annotations

import math

import pytest

from rotation_addin.core.typed_numbers import (
    COMMA_REASON,
    SPACE_REASON,
    NotANumber,
    typed_number,
    typed_whole_number,
)

READ = [
    # (typed, keywords, value) -- hand-checked
    ("1,000", {}, 1000.0),
    ("12,345.67", {}, 12345.67),
    ("1,234,567.5", {}, 1234567.5),
    ("-1,000", {}, -1000.0),
    ("+7", {}, 7.0),
    ("1_000", {}, 1000.0),
    ("1_000.25", {}, 1000.25),
    (" 42 ", {}, 42.0),
    ("0.5", {}, 0.5),
    (".5", {}, 0.5),
    ("5.", {}, 5.0),
    ("1e3", {}, 1000.0),
    ("2.5E-2", {}, 0.025),
    ("1,000e3", {}, 1_000_000.0),
    ("999", {}, 999.0),
    ("$5", {"dollar": True}, 5.0),
    ("$20,000", {"dollar": True}, 20000.0),
    ("-$5", {"dollar": True}, -5.0),
    ("$-5", {"dollar": True}, -5.0),
    ("1 000", {"spaces": True}, 1000.0),
    ("1\u00a0000.5", {"spaces": True}, 1000.5),
    ("12\u202f345", {"spaces": True}, 12345.0),  # the narrow no-break space (fr_FR)
    ("1 000 000", {"spaces": True}, 1_000_000.0),
    ("1,000 000", {"spaces": True}, 1_000_000.0),
    ("$ 5", {"spaces": True, "dollar": True}, 5.0),  # next to a sign or $: dropped
    ("- 5", {"spaces": True}, -5.0),
    (" 42 ", {"spaces": True}, 42.0),
]

SPACE = ["1 5", "1 0000", "10 00", "1.000 5", "1 5e3", "-1 5", "$1 5"]
"""A space between digits that groups no thousands (``1 5`` was read as 15): refused with
:data:`SPACE_REASON` where a surface takes spaces."""

COMMA = ["1,5", "1,2,3", "10,00", "1,0000", "1.000,5", "12,34.5", ",5", "5,", "1,,000",
         "-1,5", "$1,5", "1,000_000"]
"""A comma that groups no thousands: refused with :data:`COMMA_REASON`."""

NOT_NUMBERS = [
    # (typed, keywords): refused with no more said than "not a number"
    ("", {}), ("   ", {}), ("-", {}), ("abc", {}), ("e5", {}), ("1__000", {}), ("_1", {}),
    ("1_", {}), ("+-1", {}), ("$5", {}), ("5$", {"dollar": True}), ("$$5", {"dollar": True}),
    ("1 000", {}), ("5%", {}), ("abc,5", {}),
]


@pytest.mark.parametrize(("text", "keywords", "value"), READ)
def test_a_well_formed_number_is_read(text: str, keywords: dict[str, bool],
                                      value: float) -> None:
    assert typed_number(text, **keywords) == value


@pytest.mark.parametrize("text", COMMA)
def test_a_comma_that_groups_no_thousands_is_refused_with_its_reason(text: str) -> None:
    with pytest.raises(NotANumber) as refused:
        typed_number(text, dollar=True)
    assert refused.value.reason == COMMA_REASON
    assert refused.value.hint == f"; {COMMA_REASON}"
    assert str(refused.value) == COMMA_REASON
    if "." not in text:  # a count: the same reason (with a point it is no count at all)
        with pytest.raises(NotANumber, match="groups thousands"):
            typed_whole_number(text, dollar=True)


@pytest.mark.parametrize(("text", "keywords"), NOT_NUMBERS)
def test_no_number_is_refused_without_a_comma_reason(text: str,
                                                     keywords: dict[str, bool]) -> None:
    with pytest.raises(NotANumber) as refused:
        typed_number(text, **keywords)
    assert refused.value.reason == "" and refused.value.hint == ""
    assert str(refused.value) == f"not a number (got {text!r})"
    assert isinstance(refused.value, ValueError)  # callers catching ValueError still do


def test_inf_and_nan_are_read_for_the_caller_to_refuse() -> None:
    assert typed_number("inf") == math.inf and typed_number("-Infinity") == -math.inf
    assert math.isnan(typed_number("nan"))
    with pytest.raises(NotANumber):
        typed_whole_number("inf")


@pytest.mark.parametrize(("text", "value"), [("1,000", 1000), ("1_000", 1000), ("-3", -3),
                                             ("+12,345", 12345), (" 7 ", 7)])
def test_a_whole_number_is_read_as_an_int(text: str, value: int) -> None:
    read = typed_whole_number(text)
    assert read == value and isinstance(read, int)


@pytest.mark.parametrize("text", ["1.5", "1e3", "1.0", "$5", "abc"])
def test_a_whole_number_refuses_a_point_an_exponent_and_a_dollar(text: str) -> None:
    with pytest.raises(NotANumber) as refused:
        typed_whole_number(text)
    assert refused.value.reason == ""
    assert typed_whole_number("$5", dollar=True) == 5


@pytest.mark.parametrize("text", SPACE)
def test_a_space_that_groups_no_thousands_is_refused_with_its_reason(text: str) -> None:
    with pytest.raises(NotANumber) as refused:
        typed_number(text, dollar=True, spaces=True)
    assert refused.value.reason == SPACE_REASON
    assert str(refused.value) == SPACE_REASON


def test_a_comma_beside_a_space_gets_the_commas_reason() -> None:
    with pytest.raises(NotANumber) as refused:
        typed_number("1 000,5", spaces=True)
    assert refused.value.reason == COMMA_REASON
