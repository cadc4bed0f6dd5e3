"""Le contrôle `siret` : la clé de Luhn, La Poste, et le crédit partiel d'une liste."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from maturity_fictivie.siret import LA_POSTE_SIREN, SIRET_CHECK, luhn_valid, siret_valid

from maturity.checks import BadShape, CheckCompiler, EvalContext

CTX = EvalContext(dt.date(2026, 6, 30), {})


def with_key(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


siret_bodies = st.tuples(st.text("0123456789", min_size=8, max_size=8),
                         st.text("0123456789", min_size=4, max_size=4))


def make_siret(siren_body: str, nic: str) -> str:
    return with_key(with_key(siren_body) + nic)


@given(siret_bodies)
def test_a_number_with_both_keys_is_valid(parts):
    siret = make_siret(*parts)
    assume(not siret.startswith(LA_POSTE_SIREN))
    assert siret_valid(siret)


@given(siret_bodies, st.integers(0, 13), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(parts, position, shift):
    siret = make_siret(*parts)
    assume(not siret.startswith(LA_POSTE_SIREN))
    wrong = str((int(siret[position]) + shift) % 10)
    typo = siret[:position] + wrong + siret[position + 1:]
    assume(not typo.startswith(LA_POSTE_SIREN))
    assert not siret_valid(typo)


def test_la_poste_establishments_use_the_sum_of_digits():
    assert siret_valid("35600000000048")        # the head office also passes the Luhn key
    assert siret_valid("35600000000100")        # digit sum 15, Luhn key wrong
    assert not luhn_valid("35600000000100")
    assert not siret_valid("35600000000101")


def compiled(spec):
    return CheckCompiler([SIRET_CHECK]).compile(spec).evaluate


def test_text_list_and_wrong_shapes():
    check = compiled({"path": "s", "siret": True})
    assert check({"s": "120 001 011 00010"}, CTX) == 1.0
    assert check({"s": "12000101100011"}, CTX) == 0.0
    assert check({"s": ["12000101100010", "12000101100011", "11004301500012",
                        "11004301500020"]}, CTX) == 0.75
    assert check({"s": []}, CTX) == 0.0
    for value in (12000101100010, "1200010110001", "12000101100O10", ["12000101100010", 7]):
        assert isinstance(check({"s": value}, CTX), BadShape), value


def test_siret_false_is_rejected_when_the_pack_loads():
    from maturity.checks import CheckSpecError

    with pytest.raises(CheckSpecError, match="siret = true"):
        compiled({"path": "s", "siret": False})
