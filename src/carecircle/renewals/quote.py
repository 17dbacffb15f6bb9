"""The renewal quote (docs/renewals.md has a worked example that tests/renewals match).

commercial = base premium × NCD coefficient × pricing coefficient × traffic-violation coeff.,
with the base recovered from last year's premium and coefficients, the NCD level moved by
last year's claims (policies/rules.py), and the pricing coefficient chosen by the seat inside
both the regulatory band and the customer's tier range. Compulsory = base × (1 + A).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carecircle.claims.models import Claim, ClaimStatus
from carecircle.core.errors import DomainError
from carecircle.core.money import to_money
from carecircle.policies import conf as policies_conf
from carecircle.policies import rules
from carecircle.policies.choices import SERVICE_RIDERS, PolicyKind
from carecircle.policies.models import Policy

from .conf import RenewalSettings
from .models import RenewalTask

NOT_PAID = (ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED)
THREE = Decimal("0.001")


@dataclass(frozen=True)
class QuoteFigures:
    base_premium: Decimal
    ncd_level: int
    ncd_coefficient: Decimal
    pricing_coefficient: Decimal
    traffic_violation_coefficient: Decimal
    commercial_premium: Decimal
    compulsory_adjustment: Decimal | None
    compulsory_premium: Decimal | None
    total: Decimal
    last_year_total: Decimal
    pricing_range: tuple[Decimal, Decimal]

    @property
    def change(self) -> Decimal:
        return self.total - self.last_year_total

    @property
    def change_pct(self) -> Decimal | None:
        if not self.last_year_total:
            return None
        return (self.change / self.last_year_total * 100).quantize(Decimal("0.1"))


def _claims_by_policy(vehicle_id: int, kind: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    claims = (
        Claim.objects.filter(policy__vehicle_id=vehicle_id, policy__kind=kind)
        .exclude(status__in=NOT_PAID)
        .exclude(coverage__in=SERVICE_RIDERS)  # service riders never count as claims
        .values_list("policy_id", flat=True)
    )
    for policy_id in claims:
        counts[policy_id] = counts.get(policy_id, 0) + 1
    return counts


def history(vehicle_id: int, kind: str, up_to: Policy) -> list[rules.InsuredYear]:
    claims = _claims_by_policy(vehicle_id, kind)
    years = Policy.objects.filter(
        vehicle_id=vehicle_id, kind=kind, effective_date__lte=up_to.effective_date
    ).values_list("pk", "effective_date", "expiry_date")
    return [rules.InsuredYear(eff, exp, claims.get(pk, 0)) for pk, eff, exp in years]


def regulatory_band() -> tuple[Decimal, Decimal]:
    band = policies_conf.get("AUTONOMOUS_PRICING_BAND")
    return Decimal(str(band[0])), Decimal(str(band[1]))


def pricing_range(tier: str, conf: RenewalSettings) -> tuple[Decimal, Decimal]:
    """The tier's range, cut to the regulatory band (the band always wins)."""
    band = regulatory_band()
    tier_range = conf.tier_pricing_range.get(tier or "standard")
    low, high = (Decimal(v) for v in tier_range) if tier_range else band
    return max(low, band[0]), min(high, band[1])


def base_premium(policy: Policy) -> Decimal:
    factor = (
        (policy.ncd_coefficient or Decimal(1))
        * (policy.pricing_coefficient or Decimal(1))
        * policy.traffic_violation_coefficient
    )
    return to_money(policy.premium / factor)


def default_pricing(task: RenewalTask, conf: RenewalSettings) -> Decimal:
    """Last year's coefficient, moved into the tier's range."""
    low, high = pricing_range(task.tier, conf)
    last = task.policy.pricing_coefficient or Decimal(1)
    return min(high, max(low, last))


def compute(task: RenewalTask, pricing: Decimal | None, conf: RenewalSettings) -> QuoteFigures:
    lead, companion = task.policy, task.companion
    commercial = lead if lead.kind == PolicyKind.COMMERCIAL else None
    compulsory = companion if commercial else lead
    low, high = pricing_range(task.tier, conf)
    pricing = default_pricing(task, conf) if pricing is None else pricing.quantize(THREE)
    band = regulatory_band()
    rules.check_pricing_coefficient(pricing, (str(band[0]), str(band[1])))
    if not low <= pricing <= high:
        raise DomainError(
            "tier_range",
            f"该客户等级可报自主定价系数 [{low}, {high}] / this customer's tier allows a pricing "
            f"coefficient between {low} and {high}",
            "pricing_coefficient",
        )
    base = ncd = commercial_premium = Decimal(0)
    tv = Decimal("1.000")
    level: int = 0
    if commercial:
        base = base_premium(commercial)
        level = rules.ncd_level_from_history(
            history(commercial.vehicle_id, commercial.kind, commercial)
        )
        ncd = rules.ncd_coefficient(level, policies_conf.get("NCD_LADDER"))
        tv = commercial.traffic_violation_coefficient
        commercial_premium = to_money(base * ncd * pricing * tv)
    adjustment = compulsory_premium = None
    if compulsory:
        years = rules.continuous_years(history(compulsory.vehicle_id, compulsory.kind, compulsory))
        claim_free = 0
        for year in years:
            if year.claims:
                break
            claim_free += 1
        at_fault = years[0].claims if years else 0
        group = conf.by_province(
            conf.compulsory_region_group, task.customer.province, conf.default_region_group
        )
        adjustment = rules.compulsory_adjustment(group, claim_free, at_fault, fatal=False)
        compulsory_premium = rules.compulsory_premium(
            rules.compulsory_base(compulsory.vehicle.seats), adjustment
        )
    total = commercial_premium + (compulsory_premium or Decimal(0))
    return QuoteFigures(
        base_premium=base,
        ncd_level=level,
        ncd_coefficient=ncd,
        pricing_coefficient=pricing,
        traffic_violation_coefficient=tv,
        commercial_premium=commercial_premium,
        compulsory_adjustment=adjustment,
        compulsory_premium=compulsory_premium,
        total=total,
        last_year_total=task.premium_last_year,
        pricing_range=(low, high),
    )
