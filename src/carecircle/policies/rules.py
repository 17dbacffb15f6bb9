"""Pure pricing rules (docs/domain.md): pricing band, compulsory premium, coverage totals.
The NCD is ``policies.ncd``. No database access; settings are passed in so hypothesis can test
every input.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from carecircle.core.errors import DomainError
from carecircle.core.money import to_money


def check_pricing_coefficient(value: Decimal, band: tuple[float | str, float | str]) -> Decimal:
    """The autonomous pricing coefficient must lie inside the band, ends included."""
    low, high = (Decimal(str(b)) for b in band)
    if not low <= value <= high:
        raise DomainError(
            "pricing_band",
            f"自主定价系数须在 [{low}, {high}] 之间 / autonomous pricing coefficient must be "
            f"between {low} and {high}",
            "pricing_coefficient",
        )
    return value


# Compulsory insurance (交强险): premium = base × (1 + A).
FAMILY_CAR_BASE_SMALL = Decimal("950")  # under 6 seats
FAMILY_CAR_BASE_LARGE = Decimal("1100")  # 6 seats or more
CLAIM_FREE_DISCOUNTS: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    group: tuple(Decimal(p) / 100 for p in pcts)  # type: ignore[misc]
    for group, pcts in {
        "A": ("-30", "-40", "-50"),
        "B": ("-25", "-35", "-45"),
        "C": ("-20", "-30", "-40"),
        "D": ("-15", "-25", "-35"),
        "E": ("-10", "-20", "-30"),
    }.items()
}
TWO_OR_MORE_AT_FAULT = Decimal("0.10")
FATAL_AT_FAULT = Decimal("0.30")


def compulsory_base(seats: int) -> Decimal:
    return FAMILY_CAR_BASE_LARGE if seats >= 6 else FAMILY_CAR_BASE_SMALL


def compulsory_adjustment(
    region_group: str, claim_free_years: int, at_fault_accidents: int, fatal: bool
) -> Decimal:
    """The floating rate A; only one applies, the higher (loadings beat discounts)."""
    if region_group not in CLAIM_FREE_DISCOUNTS:
        raise DomainError("region_group", "地区组须为 A–E / region group must be A to E")
    if claim_free_years < 0 or at_fault_accidents < 0:
        raise DomainError("negative_count", "年数和次数不能为负 / counts cannot be negative")
    if fatal:
        return FATAL_AT_FAULT
    if at_fault_accidents >= 2:
        return TWO_OR_MORE_AT_FAULT
    if at_fault_accidents == 1 or claim_free_years == 0:
        return Decimal("0")
    return CLAIM_FREE_DISCOUNTS[region_group][min(claim_free_years, 3) - 1]


def compulsory_premium(base: Decimal, adjustment: Decimal) -> Decimal:
    return to_money(base * (1 + adjustment))


def check_coverage_total(premium: Decimal, coverage_premiums: Sequence[Decimal]) -> None:
    """Coverages, when given, must add up to the policy premium to the cent."""
    total = sum(coverage_premiums, Decimal("0"))
    if coverage_premiums and to_money(total) != to_money(premium):
        raise DomainError(
            "coverage_total",
            f"各险别保费合计 {to_money(total)} 不等于保单保费 {to_money(premium)} / coverage "
            f"premiums add up to {to_money(total)}, not the policy premium {to_money(premium)}",
            "coverages",
        )
