"""A vehicle's claim history for the NCD: the one place that decides which claims count and
which policies make an insured year. The renewal quote, the “should I claim?” calculator and
the claims pages use it; the value engine counts with the same statuses (docs/domain.md).

Which claims count (DOMAIN.md "No-claim discount"):
- a claim closed with no payment does not: withdrawn, rejected, or closed with nothing paid;
- a claim still open at quote time does (setting NCD_OPEN_CLAIMS_COUNT; when off, only a
  claim with money paid — an advance payment included — counts);
- service riders (rescue, safety check, designated driver, inspection run) are not claims;
- one accident is one claim: claims of one policy year on the same accident date count once.
Which policies make an insured year: the vehicle's policies of that kind, not cancelled, held
by the same owner; the newest prior policy held by someone else means a transfer (过户). A
recorded transfer (``policies.OwnershipTransfer``) starts the chain again from its date: no
policy that began before it counts, whoever the policy's applicant is (a policy transferred
with the vehicle keeps the seller as applicant).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Subquery

from carecircle.policies import conf as policies_conf
from carecircle.policies import ncd
from carecircle.policies.choices import SERVICE_RIDERS, PolicyKind
from carecircle.policies.models import OwnershipTransfer, Policy

from ..choices import ClaimStatus
from ..models import Claim

# Closed without payment in every case; CLOSED counts only with money paid.
VOID_STATUSES = (ClaimStatus.WITHDRAWN, ClaimStatus.REJECTED)
# Statuses that mean the claim was paid whatever ``amount_paid`` holds.
PAID_STATUSES = (ClaimStatus.PAID, ClaimStatus.FOLLOWED_UP)


def counted(open_claims_count: bool | None = None) -> Q:
    """The NCD's claim predicate as a ``Q`` on ``Claim`` (for filters and annotations)."""
    if open_claims_count is None:
        open_claims_count = bool(policies_conf.get("NCD_OPEN_CLAIMS_COUNT"))
    rule = (
        ~Q(status__in=VOID_STATUSES)
        & ~Q(status=ClaimStatus.CLOSED, amount_paid__lte=0)
        & ~Q(coverage__in=SERVICE_RIDERS)
    )
    if not open_claims_count:
        rule &= Q(amount_paid__gt=0) | Q(status__in=PAID_STATUSES)
    return rule


def counted_claims(qs: QuerySet[Claim], open_claims_count: bool | None = None) -> QuerySet[Claim]:
    """``qs`` narrowed to the claims that count for the NCD."""
    return qs.filter(counted(open_claims_count))


def accidents_by_policy(policy_ids: list[int]) -> dict[int, int]:
    """Counted claims per policy, one per accident date (several claim records of one accident
    — own damage, third party, seats — are one claim for the NCD)."""
    counts = dict.fromkeys(policy_ids, 0)
    pairs = (
        counted_claims(Claim.objects.filter(policy_id__in=policy_ids))
        .values_list("policy_id", "accident_at__date")
        .order_by()
        .distinct()
    )
    for policy_id, _day in pairs:
        counts[policy_id] += 1
    return counts


@dataclass(frozen=True)
class VehicleRecords:
    """A vehicle's prior policies of every kind and their counted claim records, read in two
    queries: the quote takes both the NCD and 交强险's floating rate from one read."""

    start: dt.date
    # (pk, kind, holder, effective, expiry, recorded NCD level), newest first, not cancelled
    policies: list[tuple[int, str, int, dt.date, dt.date, int | None]]
    # (policy, linked 交强险, accident date, liability share, deaths) of counted claims
    claims: list[tuple]
    # the vehicle's latest ownership transfer on or before ``start`` (read with the policies)
    transferred_on: dt.date | None = None

    def before(self, start: dt.date, kind: str) -> list[tuple]:
        return [p for p in self.policies if p[1] == kind and p[3] < start]

    def accidents(self, policy_ids: list[int]) -> dict[int, int]:
        """Counted claims per policy, one per accident date (as ``accidents_by_policy``)."""
        counts = dict.fromkeys(policy_ids, 0)
        for policy_id, _day in {(c[0], c[2]) for c in self.claims if c[0] in counts}:
            counts[policy_id] += 1
        return counts


def vehicle_records(vehicle_id: int, start: dt.date) -> VehicleRecords:
    """The vehicle's policies that started before ``start`` and their counted claims (on the
    policy or linked to it as its 交强险)."""
    # The latest transfer comes as a column of the same query (one scalar subquery on the
    # transfers' (vehicle, on) index): no extra round trip for the quote.
    moved = Subquery(
        OwnershipTransfer.objects.filter(vehicle_id=vehicle_id, on__lte=start)
        .order_by("-on")
        .values("on")[:1]
    )
    rows = list(
        Policy.objects.filter(vehicle_id=vehicle_id, cancelled_on=None, effective_date__lt=start)
        .annotate(moved=moved)
        .order_by("-effective_date", "-pk")
        .values_list(
            "pk", "kind", "customer_id", "effective_date", "expiry_date", "ncd_level", "moved"
        )
    )
    policies = [row[:6] for row in rows]
    ids = [p[0] for p in policies]
    claims = (
        list(
            counted_claims(
                Claim.objects.filter(Q(policy_id__in=ids) | Q(compulsory_policy_id__in=ids))
            )
            .values_list(
                "policy_id",
                "compulsory_policy_id",
                "accident_at__date",
                "liability_share",
                "deaths",
            )
            .order_by()
        )
        if ids
        else []
    )
    return VehicleRecords(start, policies, claims, rows[0][6] if rows else None)


@dataclass(frozen=True)
class VehicleHistory:
    years: list[ncd.InsuredYear]  # the owner's prior insured years, newest first
    transferred: bool = False  # the newest prior policy was held by another owner
    policy_ids: list[int] = field(default_factory=list)  # the policies behind ``years``


def vehicle_history(
    vehicle_id: int,
    start: dt.date,
    *,
    owner_id: int | None = None,
    kind: str = PolicyKind.COMMERCIAL,
    records: VehicleRecords | None = None,
    transferred_on: dt.date | None = None,
) -> VehicleHistory:
    """The vehicle's insured years before ``start`` under ``owner_id`` (the newest prior
    policy's holder when None), newest first, with their counted claims. The history follows
    the owner: years of previous owners never count, a transfer starts a new chain — one the
    policies show (a prior policy held by someone else) or a recorded one: no year that began
    before the transfer date (``transferred_on``, else the vehicle's latest transfer on or
    before ``start``) counts."""
    if (
        records is None
        or records.start < start
        or (records.transferred_on is not None and records.transferred_on > start)
    ):
        records = vehicle_records(vehicle_id, start)
    moved = transferred_on if transferred_on is not None else records.transferred_on
    rows = [
        (pk, holder, eff, exp, level)
        for pk, _k, holder, eff, exp, level in records.before(start, kind)
    ]
    if moved is not None and moved <= start:
        kept = [row for row in rows if row[2] >= moved]
        if len(kept) < len(rows) and not kept:
            return VehicleHistory([], transferred=True)
        rows = kept
    if not rows:
        return VehicleHistory([])
    owner = rows[0][1] if owner_id is None else owner_id
    transferred = rows[0][1] != owner
    own = []
    for row in rows:
        if row[1] != owner:
            break
        own.append(row)
    counts = records.accidents([pk for pk, *_ in own])
    # The book keeps a few years; a level recorded on the oldest (e.g. −4) proves the clean
    # years before it, so a loyal customer who stays clean keeps −4 (DOMAIN.md).
    years = [
        ncd.InsuredYear(eff, exp, counts[pk], clean_before=ncd.clean_years_proved(level))
        for pk, _owner, eff, exp, level in own
    ]
    return VehicleHistory(years, transferred, [pk for pk, *_ in own])


@dataclass(frozen=True)
class NcdResult:
    level: int
    coefficient: Decimal
    reason: str  # bilingual, for the quote page
    assessment: ncd.Assessment | None = None
    history: VehicleHistory | None = None


def ncd_for(
    vehicle_id: int,
    start: dt.date,
    *,
    owner_id: int | None,
    province: str = "",
    city: str = "",
    records: VehicleRecords | None = None,
    transferred_on: dt.date | None = None,
) -> NcdResult:
    """The commercial NCD of the vehicle's policy starting on ``start`` for ``owner_id``, on
    the region's ladder (Beijing and Xiamen: 11 levels). A transfer (``transferred_on``, else
    the vehicle's latest recorded one) starts the chain again: level 0, "transferred"."""
    history = vehicle_history(
        vehicle_id, start, owner_id=owner_id, records=records, transferred_on=transferred_on
    )
    rules = ncd.NcdRules.from_settings(province=province, city=city)
    assessment = ncd.assess(history.years, start, transferred=history.transferred, rules=rules)
    return NcdResult(
        level=assessment.level,
        coefficient=assessment.coefficient,
        reason=ncd.explain(assessment),
        assessment=assessment,
        history=history,
    )
