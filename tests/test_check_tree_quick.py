"""`check_tree`'s quick pass clears only trees its located walk clears: every tree either passes
both or fails with the located walk's error (key path and all)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.errors import InputError, format_location
from maturity.formats import _check_tree_located, _plainly_valid, check_tree
from maturity.limits import Limits

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),  # surrogates included
    st.dates(), st.datetimes(), st.times(),
    st.builds(bytes, st.binary(max_size=3)),
)
keys = st.one_of(st.text(max_size=8), st.integers(0, 3), st.text(min_size=201, max_size=202))
trees: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def _located(tree: Any, limits: Limits) -> str | None:
    try:
        _check_tree_located(tree, "f.json", limits, InputError, format_location)
    except InputError as exc:
        return exc.render()
    return None


@settings(max_examples=400, deadline=None)
@given(tree=st.dictionaries(st.text(max_size=6), trees, max_size=4),
       depth=st.integers(0, 4), longest=st.integers(0, 10))
def test_the_quick_pass_never_clears_a_tree_the_located_walk_refuses(
    tree: dict[str, Any], depth: int, longest: int,
) -> None:
    limits = Limits(max_depth=depth, max_string=longest)
    expected = _located(tree, limits)
    if _plainly_valid(tree, limits):
        assert expected is None
    try:
        check_tree(tree, "f.json", limits, InputError)
    except InputError as exc:
        assert exc.render() == expected
    else:
        assert expected is None


def test_a_plain_bundle_is_cleared_by_the_quick_pass() -> None:
    tree = {"organisation": {"id": "x", "delivers_services": True},
            "data": {"share": 0.5, "count": 3, "options": ["a", "b"], "on": dt.date(2026, 1, 1),
                     "none": None, "text": "é ü"}}
    assert _plainly_valid(tree, Limits())


def test_the_quick_pass_leaves_each_kind_of_problem_to_the_located_walk() -> None:
    limits = Limits(max_depth=2, max_string=5)
    for tree in ({"a": {"b": {"c": 1}}}, {"a": "toolong"}, {"a": float("nan")},
                 {"a": 2**63}, {"a": "\ud800"}, {"\udfff": 1}, {"a": dt.datetime(2026, 1, 1)},
                 {"a": [b"x"]}, {1: "a"}, {"k" * 201: 1}):
        assert not _plainly_valid(tree, limits), tree
        assert _located(tree, limits) is not None, tree
