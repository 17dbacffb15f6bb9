"""The scorecard against the agreement: one table, ``LINES``, says for every line of the card
its section, label, how the figure is read, which terms of the agreement are its target and how
it is judged against them, the drill-down behind it and how it is formatted; ``compare`` walks
the table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from carecircle.core import dates
from carecircle.core.money import to_money
from carecircle.parties.models import Partner

from ..choices import Verdict
from ..models import Agreement
from .measure import Figures, figures


@dataclass
class Line:
    key: str
    label: str
    value: Any
    target: str = ""
    verdict: str = Verdict.NO_TARGET
    drill: str = ""  # which list is behind the number (policies, renewals, claims, …)
    kind: str = "number"  # number | money | rate | ratio | days | score


@dataclass
class Scorecard:
    partner: Partner
    month: dt.date
    figures: Figures
    agreement: Agreement | None
    gives: list[Line] = field(default_factory=list)
    gets: list[Line] = field(default_factory=list)
    quality: list[Line] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [*self.gives, *self.gets, *self.quality]

    @property
    def off_terms(self) -> list[Line]:
        return [line for line in self.lines if line.verdict in (Verdict.BELOW, Verdict.ABOVE)]


# ------------------------------------------------------------------ how a figure is judged


def _at_least(value, target) -> str:
    if target is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    return Verdict.MET if value >= target else Verdict.BELOW


def _at_most(value, target) -> str:
    if target is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    return Verdict.MET if value <= target else Verdict.ABOVE


def _within(value, low, high) -> str:
    if low is None and high is None:
        return Verdict.NO_TARGET
    if value is None:
        return Verdict.NO_DATA
    if low is not None and value < low:
        return Verdict.BELOW
    if high is not None and value > high:
        return Verdict.ABOVE
    return Verdict.MET


@dataclass(frozen=True)
class Target:
    """The agreement's terms a figure is held to, and how (``judge(value, *terms)``)."""

    terms: tuple[str, ...]
    judge: Callable[..., str]

    def read(self, agreement: Agreement | None) -> list[Any]:
        return [getattr(agreement, t) if agreement is not None else None for t in self.terms]


def at_least(term: str) -> Target:
    return Target((term,), _at_least)


def at_most(term: str) -> Target:
    return Target((term,), _at_most)


def between(low: str, high: str) -> Target:
    return Target((low, high), _within)


# ------------------------------------------------------------------ how a figure is read

Reader = Callable[[Figures, Agreement | None], Any]


def figure(name: str) -> Reader:
    """A figure of the month (``Figures`` field or ratio)."""
    return lambda f, a: getattr(f, name)


def owed(rate_term: str, base: str, *, licensed_only: bool = False) -> Reader:
    """What the insurer owes at the agreed rate on a figure (commission on the premium
    brought, the fee per customer referred); nothing without a rate. ``licensed_only``: a fee
    the law pays to licensed intermediaries only (ADR 0017) is 0 to a partner without a
    licence (one whose licence lapsed after the agreement was signed)."""

    def read(f: Figures, a: Agreement | None) -> Any:
        rate = getattr(a, rate_term) if a is not None else None
        if rate and licensed_only and a is not None and not a.partner.licensed:
            return to_money(0)
        return to_money(getattr(f, base) * rate) if rate else None

    return read


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class LineSpec:
    section: str  # gives | gets | quality
    key: str
    label: str
    read: Reader
    target: Target | None = None
    drill: str = ""
    kind: str = "number"

    def line(self, f: Figures, a: Agreement | None) -> Line:
        value = self.read(f, a)
        if self.target is None:
            return Line(self.key, self.label, value, drill=self.drill, kind=self.kind)
        terms = self.target.read(a)
        shown = " – ".join(str(t) for t in terms if t is not None)
        return Line(
            self.key,
            self.label,
            value,
            shown,
            self.target.judge(value, *terms),
            self.drill,
            self.kind,
        )


GIVES, GETS, QUALITY = "gives", "gets", "quality"

# fmt: off
LINES: tuple[LineSpec, ...] = (
    # What the partner gives.
    LineSpec(GIVES, "premium_brought", "带来保费 / Premium brought",
             figure("premium_brought"), at_least("premium_target_monthly"), "policies", "money"),
    LineSpec(GIVES, "policies_brought", "带来保单 / Policies brought",
             figure("policies_brought"), drill="policies"),
    LineSpec(GIVES, "customers_referred", "推荐客户 / Customers referred",
             figure("customers_referred"), at_least("referrals_target_monthly"), "referrals"),
    LineSpec(GIVES, "repair_claims", "承修台次 / Vehicles repaired",
             figure("repair_claims"), at_most("repair_capacity_monthly"), "claims"),
    LineSpec(GIVES, "services_delivered", "提供服务(次) / Services delivered",
             figure("services_delivered"), at_most("service_capacity_monthly")),
    # What the partner gets.
    LineSpec(GETS, "repair_value", "送修产值 / Repair work sent",
             figure("repair_value"), at_least("repair_value_target_monthly"), "claims", "money"),
    LineSpec(GETS, "repair_paid", "已付维修款 / Repair amounts paid",
             figure("repair_paid"), drill="claims", kind="money"),
    LineSpec(GETS, "service_value", "服务结算 / Service payments",
             figure("service_value"), kind="money"),
    LineSpec(GETS, "commission", "应付手续费 / Commission due",
             figure("commission_due"), drill="policies", kind="money"),
    LineSpec(GETS, "commission_paid", "已付手续费 / Commission paid",
             figure("commission_paid"), kind="money"),
    LineSpec(GETS, "referral_fees", "推荐费 / Referral fees",
             owed("referral_fee", "customers_referred", licensed_only=True), drill="referrals",
             kind="money"),
    LineSpec(GETS, "repair_to_premium", "送修/保费比 / Repair-to-premium ratio",
             figure("repair_to_premium"),
             between("repair_to_premium_min", "repair_to_premium_max"), "claims", "ratio"),
    # Customers and quality.
    LineSpec(QUALITY, "renewal_rate", "客户续保率 / Renewal rate of its customers",
             figure("renewal_rate"), at_least("renewal_rate_target"), "renewals", "rate"),
    LineSpec(QUALITY, "satisfaction", "客户满意度 / Customer satisfaction (1-5)",
             figure("satisfaction"), at_least("satisfaction_target"), "satisfaction", "score"),
    LineSpec(QUALITY, "complaints", "投诉 / Complaints",
             figure("complaints"), drill="complaints"),
    LineSpec(QUALITY, "complaints_per_10k", "万单投诉率 / Complaints per 10,000 policies",
             figure("complaints_per_10k"), at_most("complaints_per_10k_max"), "complaints"),
    LineSpec(QUALITY, "repair_cost_index", "案均维修成本/网络 / Repair cost vs network",
             figure("repair_cost_index"), at_most("repair_cost_index_max"), "settled", "ratio"),
    LineSpec(QUALITY, "settlement_days", "结算时效(天) / Settlement time (days)",
             figure("settlement_days"), at_most("settlement_days_max"), "settled", "days"),
)
# fmt: on


def compare(partner: Partner, month: dt.date, f: Figures, a: Agreement | None) -> Scorecard:
    """The month's figures against the agreement in force (``None``: figures only)."""
    card = Scorecard(partner=partner, month=month, figures=f, agreement=a)
    for spec in LINES:
        getattr(card, spec.section).append(spec.line(f, a))
    return card


def agreement_for(partner: Partner, month: dt.date) -> Agreement | None:
    last_day = dates.next_month(month) - dt.timedelta(days=1)
    return (
        Agreement.objects.filter(partner=partner, status="active")
        .filter(starts_on__lte=last_day, ends_on__gte=month)
        .order_by("-starts_on")
        .first()
    )


def scorecard(partner: Partner, month: dt.date) -> Scorecard:
    f = figures(month, [partner.pk]).get(partner.pk, Figures())
    return compare(partner, month, f, agreement_for(partner, month))
