"""Reads for the alliance pages, scoped with ``restrict``: the merchant portal, the customer's
services, and service activity (服务活跃度) with merchant quality for the service manager."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from carecircle.core import clock
from carecircle.core.money import ZERO, to_money
from carecircle.parties.models import Partner
from carecircle.touchpoints.models import Complaint
from carecircle.value.public import TIER_RANKS, current_values

from . import conf
from .choices import BookingStatus, RedemptionStatus, VoucherStatus
from .models import Booking, Rating, Redemption, Voucher
from .rules import merchant_of


def todays_redemptions(user) -> list[Redemption]:
    start = timezone.localtime(clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Redemption.objects.restrict(user)
        .filter(redeemed_at__gte=start)
        .select_related("voucher__product", "voucher__customer", "location")
        .order_by("-redeemed_at")
    )


def todays_bookings(user) -> list[Booking]:
    return list(
        Booking.objects.restrict(user)
        .filter(day=clock.today())
        .select_related("voucher__product", "voucher__customer", "location")
        .order_by("location__name", "pk")
    )


def my_vouchers(user) -> list[Voucher]:
    return list(
        Voucher.objects.restrict(user)
        .select_related("product", "merchant")
        .prefetch_related("redemptions__rating", "bookings__location")
        .order_by("status", "valid_until", "pk")
    )


# ----------------------------------------------------------------------------- activity

TIER_ORDER = sorted(TIER_RANKS, key=lambda t: -TIER_RANKS[t])


@dataclass
class Activity:
    since: dt.date
    until: dt.date
    by_tier: list[dict[str, Any]] = field(default_factory=list)
    by_service: list[dict[str, Any]] = field(default_factory=list)
    entitled: int = 0
    active: int = 0
    cost: Decimal = ZERO
    renewal: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.active / self.entitled if self.entitled else None

    @property
    def cost_per_customer(self) -> Decimal | None:
        return to_money(self.cost / self.entitled) if self.entitled else None


def _rows(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def activity(today: dt.date | None = None) -> Activity:
    """Service activity over the last 365 days for the whole book (service managers only).

    - entitled: customers holding a voucher valid at some point in the window;
    - active: those of them with at least one redemption that stands (not reversed);
    - by tier (the current value run's tier) and by service;
    - renewal: renewal rate of policies that expired in the window and carried vouchers,
      for customers who used a service vs those who did not.  It is an association, not proof
      that services cause renewals (better customers may also use more services)."""
    until = today or clock.today()
    since = until - dt.timedelta(days=365)
    out = Activity(since=since, until=until)
    # each customer's tier in the current value run, as value's public door gives it
    valued, valued_params = (
        current_values().order_by().values("customer_id", "tier").query.sql_with_params()
    )
    tiers = _rows(
        f"""
        SELECT COALESCE(cv.tier, 'standard'), COUNT(DISTINCT v.customer_id),
               COUNT(DISTINCT CASE WHEN v.status = 'redeemed' THEN v.customer_id END),
               SUM(CASE WHEN v.status = 'redeemed' THEN 1 ELSE 0 END)
          FROM alliance_voucher v
          LEFT JOIN ({valued}) cv ON cv.customer_id = v.customer_id
         WHERE v.valid_until >= %s AND v.valid_from <= %s
         GROUP BY COALESCE(cv.tier, 'standard')
        """,  # noqa: S608 (value's own query, compiled by the ORM; no input)
        [*valued_params, since, until],
    )
    found = {t: (e, a, u) for t, e, a, u in tiers}
    for tier in TIER_ORDER:
        entitled, active, uses = found.get(tier, (0, 0, 0))
        out.by_tier.append(
            {
                "tier": tier,
                "entitled": entitled,
                "active": active,
                "uses": uses or 0,
                "rate": active / entitled if entitled else None,
            }
        )
    # distinct over the whole window (a customer may change tier between runs: count once)
    totals = _rows(
        """
        SELECT COUNT(DISTINCT customer_id),
               COUNT(DISTINCT CASE WHEN status = 'redeemed' THEN customer_id END)
          FROM alliance_voucher WHERE valid_until >= %s AND valid_from <= %s
        """,
        [since, until],
    )[0]
    out.entitled, out.active = totals[0] or 0, totals[1] or 0
    services = _rows(
        """
        SELECT s.name, s.kind, COUNT(v.id),
               SUM(CASE WHEN v.status = 'redeemed' THEN 1 ELSE 0 END)
          FROM alliance_voucher v JOIN alliance_serviceproduct s ON s.id = v.product_id
         WHERE v.valid_until >= %s AND v.valid_from <= %s
         GROUP BY s.name, s.kind ORDER BY s.kind, s.name
        """,
        [since, until],
    )
    start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
    cost_by_kind = dict(
        Redemption.objects.filter(status=RedemptionStatus.COMPLETED, redeemed_at__gte=start)
        .values_list("voucher__product__kind")
        .annotate(total=Sum("agreed_price"))
    )
    for name, kind, issued, used in services:
        out.by_service.append(
            {
                "name": name,
                "kind": kind,
                "issued": issued,
                "used": used or 0,
                "rate": (used or 0) / issued if issued else None,
                "cost": to_money(cost_by_kind.get(kind) or ZERO),
            }
        )
    out.cost = to_money(sum(cost_by_kind.values(), ZERO))
    renewals = _rows(
        """
        SELECT used, COUNT(*), SUM(renewed) FROM (
          SELECT CASE WHEN EXISTS (SELECT 1 FROM alliance_voucher u
                                    WHERE u.policy_id = p.id AND u.status = 'redeemed')
                      THEN 1 ELSE 0 END AS used,
                 CASE WHEN EXISTS (SELECT 1 FROM policies_policy r WHERE r.renews_id = p.id)
                      THEN 1 ELSE 0 END AS renewed
            FROM policies_policy p
           WHERE p.expiry_date > %s AND p.expiry_date <= %s AND p.cancelled_on IS NULL
             AND EXISTS (SELECT 1 FROM alliance_voucher v WHERE v.policy_id = p.id)
        ) t GROUP BY used
        """,
        [since, until],
    )
    rates = {int(used): (n, int(renewed or 0)) for used, n, renewed in renewals}
    users, others = rates.get(1, (0, 0)), rates.get(0, (0, 0))
    users_rate = users[1] / users[0] if users[0] else None
    others_rate = others[1] / others[0] if others[0] else None
    out.renewal = {
        "users": users[0],
        "users_rate": users_rate,
        "others": others[0],
        "others_rate": others_rate,
        "lift": users_rate - others_rate
        if users_rate is not None and others_rate is not None
        else None,
    }
    return out


@dataclass
class MerchantQuality:
    merchant: Partner
    redemptions: int
    rating: float | None
    ratings: int
    complaints: int  # ticked on the customer's rating of a service
    bookings_closed: int
    no_shows: int
    flags: list[str]
    formal_complaints: int = 0  # complaint cases (touchpoints) naming the merchant

    @property
    def all_complaints(self) -> int:
        return self.complaints + self.formal_complaints

    @property
    def complaint_rate(self) -> float | None:
        return self.all_complaints / self.redemptions if self.redemptions else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.bookings_closed if self.bookings_closed else None


def quality_flags(
    rating: float | None,
    ratings: int,
    complaints: int,
    redemptions: int,
    no_shows: int,
    closed: int,
) -> list[str]:
    """Why a merchant goes to review (empty: fine).  Small samples are not judged."""
    flags = []
    sample = conf.get("MIN_SAMPLE")
    if rating is not None and ratings >= sample and rating < conf.get("MIN_RATING"):
        flags.append("low_rating")
    if redemptions >= sample and complaints / redemptions > conf.get("MAX_COMPLAINT_RATE"):
        flags.append("complaints")
    if closed >= sample and no_shows / closed > conf.get("MAX_NO_SHOW_RATE"):
        flags.append("no_shows")
    return flags


FLAG_LABELS = {
    "low_rating": "评分偏低 / low rating",
    "complaints": "投诉偏多 / many complaints",
    "no_shows": "爽约率高 / high no-show rate",
}


def merchant_quality(user, merchant_ids: list[int] | None = None) -> list[MerchantQuality]:
    """Per merchant: redemptions, mean rating, complaints, no-show rate and review flags.

    Complaints are those ticked when rating a service plus the complaint cases (touchpoints)
    that name the merchant; a customer who does both is counted twice, which errs towards
    review rather than away from it."""
    merchants = Partner.objects.restrict(user).filter(kind="merchant")
    own = merchant_of(user)
    if own is not None:
        merchants = merchants.filter(pk=own)
    if merchant_ids is not None:
        merchants = merchants.filter(pk__in=merchant_ids)
    merchants = merchants.filter(
        Q(alliance_redemptions__isnull=False) | Q(alliance_offers__isnull=False)
    ).distinct()
    ids = list(merchants.values_list("pk", flat=True))
    redemptions = dict(
        Redemption.objects.filter(merchant_id__in=ids, status=RedemptionStatus.COMPLETED)
        .values_list("merchant_id")
        .annotate(n=Count("pk"))
    )
    ratings = {
        r["merchant_id"]: r
        for r in Rating.objects.filter(merchant_id__in=ids)
        .values("merchant_id")
        .annotate(avg=Avg("stars"), n=Count("pk"), complaints=Count("pk", filter=Q(complaint=True)))
    }
    bookings = {
        b["merchant_id"]: b
        for b in Booking.objects.filter(
            merchant_id__in=ids, status__in=[BookingStatus.ATTENDED, BookingStatus.NO_SHOW]
        )
        .values("merchant_id")
        .annotate(closed=Count("pk"), no_shows=Count("pk", filter=Q(status=BookingStatus.NO_SHOW)))
    }
    formal = dict(
        Complaint.objects.filter(merchant_id__in=ids)
        .values_list("merchant_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = []
    for merchant in Partner.objects.filter(pk__in=ids).order_by("name"):
        r = ratings.get(merchant.pk, {})
        b = bookings.get(merchant.pk, {})
        n = redemptions.get(merchant.pk, 0)
        avg = float(r["avg"]) if r.get("avg") is not None else None
        complaints, closed, no_shows = (
            r.get("complaints", 0),
            b.get("closed", 0),
            b.get("no_shows", 0),
        )
        cases = formal.get(merchant.pk, 0)
        out.append(
            MerchantQuality(
                merchant=merchant,
                redemptions=n,
                rating=avg,
                ratings=r.get("n", 0),
                complaints=complaints,
                bookings_closed=closed,
                no_shows=no_shows,
                flags=quality_flags(avg, r.get("n", 0), complaints + cases, n, no_shows, closed),
                formal_complaints=cases,
            )
        )
    out.sort(key=lambda q: (not q.flags, q.merchant.name))
    return out


def voucher_counts(user) -> dict[str, int]:
    return dict(
        Voucher.objects.restrict(user).values_list("status").annotate(n=Count("pk")).order_by()
    )


def services_delivered(user) -> dict[str, Any]:
    """The customer's own services used and their value at the agreed price (value
    delivered), and their vouchers still open."""
    customer_id = getattr(user, "customer_id", None)
    agg = (
        Redemption.objects.restrict(user)
        .filter(voucher__customer_id=customer_id, status=RedemptionStatus.COMPLETED)
        .aggregate(n=Count("pk"), value=Sum("agreed_price"))
    )
    open_vouchers = (
        Voucher.objects.restrict(user)
        .filter(customer_id=customer_id, status=VoucherStatus.ISSUED)
        .count()
    )
    return {"used": agg["n"], "value": to_money(agg["value"] or ZERO), "open": open_vouchers}
