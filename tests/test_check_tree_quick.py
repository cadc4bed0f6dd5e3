"""`check_tree`'s quick pass clears only trees its located walk clears: every tree either passes
both or fails with the located walk's error (key path and all). The keys it counts on the way
are every key of the tree (the fast JSON parser relies on the count)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.errors import InputError, format_location
from maturity.formats import _check_tree_located, check_tree, plain_key_count
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


def _keys(tree: Any) -> int:
    if isinstance(tree, dict):
        return len(tree) + sum(_keys(v) for v in tree.values())
    if isinstance(tree, list):
        return sum(_keys(v) for v in tree)
    return 0


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
    counted = plain_key_count(tree, limits)
    if counted is not None:
        assert expected is None
        assert counted == _keys(tree)
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
    assert plain_key_count(tree, Limits()) == 10
    # A float that may stand for an integer beyond 64 bits is left to the closer look too.
    assert plain_key_count(tree, Limits(), float_bound=0.5) is None
    assert plain_key_count({"a": 1e19}, Limits(), float_bound=2.0**63) is None
    assert plain_key_count({"a": [-1e19]}, Limits(), float_bound=2.0**63) is None
    assert plain_key_count({"a": [1e18]}, Limits(), float_bound=2.0**63) == 1


def test_the_quick_pass_leaves_each_kind_of_problem_to_the_located_walk() -> None:
    limits = Limits(max_depth=2, max_string=5)
    for tree in ({"a": {"b": {"c": 1}}}, {"a": "toolong"}, {"a": float("nan")},
                 {"a": 2**63}, {"a": "\ud800"}, {"\udfff": 1}, {"a": dt.datetime(2026, 1, 1)},
                 {"a": [b"x"]}, {1: "a"}, {"k" * 201: 1}):
        assert plain_key_count(tree, limits) is None, tree
        assert _located(tree, limits) is not None, tree
