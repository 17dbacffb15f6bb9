"""Pure rules: voucher codes, entitlement conditions, refusals, windows (hypothesis)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from carecircle.alliance import rules
from carecircle.alliance.choices import AttemptOutcome

SYMBOL = st.sampled_from(rules.ALPHABET)
BODY = st.text(alphabet=rules.ALPHABET, min_size=11, max_size=11)


def test_codes_are_12_symbols_of_the_unambiguous_alphabet_and_check_out():
    codes = [rules.new_code() for _ in range(200)] + rules.new_codes(2000)
    assert all(len(c) == 12 and set(c) <= set(rules.ALPHABET) for c in codes)
    assert all(rules.is_well_formed(c) for c in codes)
    assert len(set(codes)) == 2200
    assert not set("ILOU") & set("".join(codes))


@given(BODY, st.integers(0, 11), SYMBOL)
def test_a_single_mistyped_symbol_fails_the_check(body, position, symbol):
    code = body + rules.check_symbol(body)
    typo = code[:position] + symbol + code[position + 1 :]
    assert rules.is_well_formed(typo) == (typo == code)


@given(BODY, st.integers(0, 10))
def test_two_swapped_neighbours_fail_the_check(body, position):
    """Luhn mod 32's one known blind spot is swapping "0" and "Z" (0 and 31), as 09 ↔ 90 in
    decimal Luhn; every other swap of two different neighbours is caught."""
    code = body + rules.check_symbol(body)
    pair = {code[position], code[position + 1]}
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if pair != {"0", "Z"}:
        assert rules.is_well_formed(swapped) == (swapped == code)


def test_what_people_type_is_normalised_to_the_stored_code():
    code = rules.new_code()
    typed = rules.display(code).lower().replace("1", "l").replace("0", "o")
    assert rules.normalise(f" {typed} ") == code
    assert rules.code_hint(typed) == code[:4]


FACTS = rules.PolicyFacts(
    tier="platinum",
    riders=frozenset({"roadside_rescue"}),
    vehicle_use="household",
    new_energy=True,
    channel="telesales",
    effective_date=dt.date(2026, 3, 1),
)


def test_packages_apply_when_every_set_condition_holds():
    assert rules.package_applies(rules.PackageRule(), FACTS)
    assert rules.package_applies(rules.PackageRule(min_tier="gold"), FACTS)
    assert rules.package_applies(rules.PackageRule(min_tier="platinum"), FACTS)
    assert not rules.package_applies(rules.PackageRule(min_tier="diamond"), FACTS)
    assert rules.package_applies(rules.PackageRule(rider="roadside_rescue"), FACTS)
    assert not rules.package_applies(rules.PackageRule(rider="designated_driver"), FACTS)
    assert not rules.package_applies(rules.PackageRule(vehicle_use="operating"), FACTS)
    assert rules.package_applies(rules.PackageRule(new_energy_only=True), FACTS)
    assert not rules.package_applies(rules.PackageRule(channel="agent"), FACTS)
    campaign = rules.PackageRule(
        policy_starts_from=dt.date(2026, 3, 1), policy_starts_until=dt.date(2026, 5, 31)
    )
    assert rules.package_applies(campaign, FACTS)
    later = rules.PackageRule(policy_starts_from=dt.date(2026, 3, 2))
    assert not rules.package_applies(later, FACTS)


def test_a_policy_years_vouchers_end_the_day_before_expiry():
    assert rules.voucher_validity(
        dt.date(2026, 3, 1), dt.date(2027, 3, 1), dt.date(2026, 2, 1)
    ) == (
        dt.date(2026, 3, 1),
        dt.date(2027, 2, 28),
    )
    assert rules.voucher_validity(dt.date(2026, 3, 1), dt.date(2027, 3, 1), dt.date(2026, 6, 9))[
        0
    ] == dt.date(2026, 6, 9)


def test_refusals_name_the_reason_and_the_wrong_merchant_learns_nothing_else():
    d = dt.date
    args = (d(2026, 1, 1), d(2026, 12, 31), d(2026, 6, 1))
    assert rules.refusal("redeemed", *args, offered=False) == AttemptOutcome.WRONG_MERCHANT
    assert rules.refusal("issued", *args, offered=True) is None
    assert rules.refusal("redeemed", *args, offered=True) == AttemptOutcome.USED
    assert rules.refusal("reversed", *args, offered=True) == AttemptOutcome.REVERSED
    assert rules.refusal("cancelled", *args, offered=True) == AttemptOutcome.CANCELLED
    assert rules.refusal("expired", *args, offered=True) == AttemptOutcome.EXPIRED
    assert (
        rules.refusal("issued", d(2026, 1, 1), d(2026, 5, 31), d(2026, 6, 1), offered=True)
        == AttemptOutcome.EXPIRED
    )
    assert (
        rules.refusal("issued", d(2026, 7, 1), d(2026, 12, 31), d(2026, 6, 1), offered=True)
        == AttemptOutcome.NOT_YET_VALID
    )
    assert all("/ " in m for m in rules.REFUSAL_MESSAGES.values())  # bilingual


def test_the_voucher_state_machine_allows_only_its_transitions():
    assert rules.can_move("issued", "redeemed")
    assert rules.can_move("redeemed", "reversed")
    assert not rules.can_move("redeemed", "issued")
    assert not rules.can_move("reversed", "redeemed")
    assert not rules.can_move("expired", "redeemed")


def test_the_reversal_window():
    at = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    assert rules.within_reversal_window(at, at + dt.timedelta(hours=24), 24)
    assert not rules.within_reversal_window(at, at + dt.timedelta(hours=24, seconds=1), 24)
