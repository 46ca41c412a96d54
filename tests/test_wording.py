"""How messages show a value and list names (``wording``)."""

import pytest

from pelican_flattr.wording import listed, shown_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x" * 78, repr("x" * 78)),  # 80 characters quoted: shown whole
        ("x" * 79, repr("x" * 79)[:77] + "..."),
        ("x" * 500, repr("x" * 500)[:77] + "..."),
    ],
    ids=["80 shown whole", "81 cut", "502 cut"],
)
def test_a_value_is_shown_in_at_most_80_characters(value, expected):
    assert shown_value(value) == expected
    assert len(shown_value(value)) <= 80


@pytest.mark.parametrize("sign", ["@", "%40", "%2540"])
def test_a_value_shown_cut_never_holds_part_of_an_address(sign):
    # Cut first, "'----/quiz.b..." holds no "@" left to find: the start of
    # the local part would be shown. Every cut point, from before the
    # address to after it. "-" and "/" hold no letter of "quiz.bot", nor
    # does "[address]".
    address = f"quiz.bot{sign}example.org"
    for padding in range(70 - len(address), 80):
        value = "-" * padding + "/" + address
        shown = shown_value(value)
        assert shown.startswith("'" + "-" * min(padding, 76)), shown
        assert not set("quizbot") & set(shown), shown


@pytest.mark.parametrize(
    ("names", "limit", "expected"),
    [
        ([], None, ""),
        (["a"], None, "a"),
        (["a", "b"], None, "a and b"),
        (["a", "b", "c"], None, "a, b and c"),
        (["a", "b", "c"], 3, "a, b and c"),  # the limit reached: all named
        (["a", "b", "c", "d"], 3, "a, b, c and 1 more"),
        ([*"abcdefghijkl"], 3, "a, b, c and 9 more"),
        (["a", "b"], 1, "a and 1 more"),
    ],
)
def test_listed_names_a_few_and_counts_the_rest(names, limit, expected):
    assert listed(names, limit) == expected
