"""The renewal quote (docs/renewals.md has a worked example that tests/renewals match).

commercial = base premium × NCD coefficient × pricing coefficient × traffic-violation coeff.,
with the base recovered from last year's premium and coefficients, the NCD from the vehicle's
claim history under this owner (``claims.selectors.history.ncd_for``, its reason shown), and
the pricing coefficient chosen by the seat inside both the regulatory band and the customer's
tier range.

交强险 = base by use and seats × (1 + A), A from the region group and the previous years'
at-fault and fatal accidents (``policies.compulsory``). It can be quoted alone (a task whose
lead is the compulsory policy, or ``include_commercial=False``) and is never refused: no tier
range, list or pricing choice applies to it.

A listed customer (``renewals.lists``, #16): grey — the range starts at 1.0; black — the
commercial part is refused until underwriting accepts it, then the range starts at the
underwriter's minimum (at least 1.0). Each refusal names the list entry.

车船税 (``policies.vehicle_tax``) goes with every quote that includes 交强险, shown and totalled
apart from premium: ``total`` is premium only, ``grand_total`` adds the tax. When the tax
cannot be worked out (engine size not recorded, a vehicle over 9 seats) the quote still
stands, with ``vehicle_tax`` None and ``vehicle_tax_note`` saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carecircle.claims.selectors.compulsory import floating_rate_for
from carecircle.claims.selectors.history import VehicleRecords, ncd_for, vehicle_records
from carecircle.core.errors import DomainError
from carecircle.core.money import to_money
from carecircle.policies import compulsory as compulsory_rules
from carecircle.policies import conf as policies_conf
from carecircle.policies import rules, vehicle_tax
from carecircle.policies.choices import PolicyKind
from carecircle.policies.models import Policy

from .conf import RenewalSettings
from .lists import ListLimits, limits_for
from .models import RenewalTask

THREE = Decimal("0.001")
ZERO = Decimal("0.00")


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
    total: Decimal  # premium only (commercial + 交强险); the tax is apart
    last_year_total: Decimal
    pricing_range: tuple[Decimal, Decimal]
    ncd_reason: str = ""
    include_commercial: bool = True
    compulsory_base: Decimal | None = None
    region_group: str = ""
    vehicle_tax: Decimal | None = None  # 车船税 collected with 交强险; None: see the note
    vehicle_tax_note: str = ""
    list_note: str = ""  # the list entry that limits this quote, in words (#16)

    @property
    def grand_total(self) -> Decimal:
        """What the customer pays: premium plus the vehicle tax collected with 交强险."""
        return self.total + (self.vehicle_tax or ZERO)

    @property
    def change(self) -> Decimal:
        return self.total - self.last_year_total

    @property
    def change_pct(self) -> Decimal | None:
        if not self.last_year_total:
            return None
        return (self.change / self.last_year_total * 100).quantize(Decimal("0.1"))


def regulatory_band() -> tuple[Decimal, Decimal]:
    band = policies_conf.get("AUTONOMOUS_PRICING_BAND")
    return Decimal(str(band[0])), Decimal(str(band[1]))


def pricing_range(
    tier: str, conf: RenewalSettings, floor: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """The tier's range, cut to the regulatory band (the band always wins); a list floor
    (#16) raises the low end, and the high end with it when the tier's stops below."""
    band = regulatory_band()
    tier_range = conf.tier_pricing_range.get(tier or "standard")
    low, high = (Decimal(v) for v in tier_range) if tier_range else band
    low, high = max(low, band[0]), min(high, band[1])
    if floor is not None:
        low = min(max(low, floor), band[1])
        high = max(high, low)
    return low, high


def base_premium(policy: Policy) -> Decimal:
    factor = (
        (policy.ncd_coefficient or Decimal(1))
        * (policy.pricing_coefficient or Decimal(1))
        * policy.traffic_violation_coefficient
    )
    return to_money(policy.premium / factor)


def default_pricing(
    task: RenewalTask, conf: RenewalSettings, floor: Decimal | None = None
) -> Decimal:
    """Last year's coefficient, moved into the tier's range (and above a list floor)."""
    low, high = pricing_range(task.tier, conf, floor)
    last = task.policy.pricing_coefficient or Decimal(1)
    return min(high, max(low, last))


def _check_pricing(pricing: Decimal, low: Decimal, high: Decimal, limits: ListLimits) -> None:
    band = regulatory_band()
    rules.check_pricing_coefficient(pricing, (str(band[0]), str(band[1])))
    if limits.floor is not None and pricing < limits.floor:
        raise DomainError("list_floor", limits.floor_reason, "pricing_coefficient")
    if not low <= pricing <= high:
        raise DomainError(
            "tier_range",
            f"该客户等级可报自主定价系数 [{low}, {high}] / this customer's tier allows a pricing "
            f"coefficient between {low} and {high}",
            "pricing_coefficient",
        )


@dataclass(frozen=True)
class _Compulsory:
    base: Decimal
    rate: Decimal
    premium: Decimal
    group: str
    tax: Decimal | None
    tax_note: str


def _compulsory(
    policy: Policy, province: str, city: str, records: VehicleRecords | None = None
) -> _Compulsory:
    """交强险 and 车船税 for the year starting when ``policy`` expires."""
    vehicle = policy.vehicle
    start = policy.expiry_date
    group, rate, _years = floating_rate_for(
        vehicle.pk, start, province=province, city=city, records=records
    )
    base = compulsory_rules.base_premium(vehicle.use, vehicle.seats)
    tax: Decimal | None
    try:
        tax = vehicle_tax.vehicle_tax(
            displacement=vehicle.displacement,
            energy=vehicle.energy,
            seats=vehicle.seats,
            province=province,
            tax_year=start.year,
            acquired=vehicle.first_registration,
        )
        note = ""
    except DomainError as gap:  # 交强险 is quoted all the same; the note says what is missing
        tax, note = None, gap.message
    return _Compulsory(base, rate, compulsory_rules.premium(base, rate), group, tax, note)


def compute(
    task: RenewalTask,
    pricing: Decimal | None,
    conf: RenewalSettings,
    *,
    include_commercial: bool = True,
    limits: ListLimits | None = None,
) -> QuoteFigures:
    """The quote; a commercial part the customer's list entry refuses (black, not accepted
    by underwriting) raises ``DomainError`` naming the entry — 交强险 alone never does."""
    lead, companion = task.policy, task.companion
    limits = limits_for(task) if limits is None else limits
    has_commercial = lead.kind == PolicyKind.COMMERCIAL
    commercial = lead if has_commercial and include_commercial else None
    compulsory = companion if has_commercial else lead
    customer = task.customer
    if commercial is not None and not limits.commercial_allowed:
        raise DomainError("referred", limits.refusal, status=409)
    low, high = pricing_range(task.tier, conf, limits.floor)
    # one read of the vehicle's policies and claims serves the NCD and 交强险's A
    starts = [p.expiry_date for p in (commercial, compulsory) if p is not None]
    records = vehicle_records(lead.vehicle_id, max(starts)) if starts else None
    base = ncd = commercial_premium = ZERO
    tv = Decimal("1.000")
    level, reason = 0, ""
    if commercial is not None:
        pricing = (
            default_pricing(task, conf, limits.floor)
            if pricing is None
            else pricing.quantize(THREE)
        )
        _check_pricing(pricing, low, high, limits)
        base = base_premium(commercial)
        found = ncd_for(
            commercial.vehicle_id,
            commercial.expiry_date,
            owner_id=task.customer_id,
            province=customer.province,
            city=customer.city,
            records=records,
        )
        level, ncd, reason = found.level, found.coefficient, found.reason
        tv = commercial.traffic_violation_coefficient
        commercial_premium = to_money(base * ncd * pricing * tv)
    else:
        pricing = ZERO  # no commercial part: no pricing choice to check (交强险 is never refused)
    comp = (
        _compulsory(compulsory, customer.province, customer.city, records) if compulsory else None
    )
    total = commercial_premium + (comp.premium if comp else ZERO)
    last_year = task.premium_last_year
    if commercial is None and has_commercial:
        last_year = compulsory.premium if compulsory else ZERO  # 交强险 alone: like for like
    return QuoteFigures(
        base_premium=base,
        ncd_level=level,
        ncd_coefficient=ncd,
        pricing_coefficient=pricing,
        traffic_violation_coefficient=tv,
        commercial_premium=commercial_premium,
        compulsory_adjustment=comp.rate if comp else None,
        compulsory_premium=comp.premium if comp else None,
        total=total,
        last_year_total=last_year,
        pricing_range=(low, high),
        ncd_reason=reason,
        include_commercial=commercial is not None,
        compulsory_base=comp.base if comp else None,
        region_group=comp.group if comp else "",
        vehicle_tax=comp.tax if comp else None,
        vehicle_tax_note=comp.tax_note if comp else "",
        list_note=limits.floor_reason if commercial is not None else "",
    )
