"""Reporting a claim (报案) on a vehicle, from the phone page, a handler or the API: the
vehicle's policies in force at the accident are linked (the 商业险 carries the claim, the
交强险 pays first), the coverage follows what was damaged, and a report past the 2-year
limitation is registered and flagged for a person (Art 26), never refused. Photos are checked
before anything is written. The request stays small: screening runs in a task after the
commit."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money
from carecircle.core.roles import Perm, has_perm
from carecircle.parties.models import Vehicle
from carecircle.policies.models import Policy

from .. import conf
from ..choices import Action, ClaimStatus, DocumentKind, ReportChannel
from ..models import Claim
from ..rules import reporting as rules
from . import reserves
from .clocks import save_with_clocks
from .documents import check_file, store_document
from .inputs import share
from .screening import raise_flags
from .timeline import record

TERM_FIELDS = (
    "pk", "kind", "effective_date", "expiry_date", "cancelled_on", "customer_id", "partner_id",
    "policy_no", "unit_id",
)  # fmt: skip


def vehicle_terms(vehicle_id: int) -> list[rules.PolicyTerm]:
    """Every policy year on the vehicle (a handful), in one small query."""
    rows = Policy.objects.filter(vehicle_id=vehicle_id).values_list(*TERM_FIELDS)
    return [rules.PolicyTerm(*row) for row in rows]


def _may_report(acting_user, terms: list[rules.PolicyTerm]) -> bool:
    """Claims staff; the customer holding a policy on the vehicle; the partner who sold one."""
    if has_perm(acting_user, Perm.HANDLE_CLAIMS):
        return True
    customer_id = getattr(acting_user, "customer_id", None)
    partner_id = getattr(acting_user, "partner_id", None)
    return any(
        (customer_id and t.customer_id == customer_id)
        or (partner_id and t.partner_id == partner_id)
        for t in terms
    )


def report_claim(
    *,
    acting_user,
    accident_at: dt.datetime,
    vehicle: Vehicle | int | None = None,
    policy: Policy | None = None,
    description: str = "",
    location: str = "",
    own_car: bool = True,
    other_car: bool | None = None,
    other_property: bool = False,
    injured: int = 0,
    deaths: int = 0,
    liability: str | None = None,
    injury: bool = False,
    single_vehicle: bool = False,
    liability_clear: bool = False,
    customer_estimate: Any = None,
    coverage: str | None = None,
    channel: str = ReportChannel.STAFF,
    photos: list[UploadedFile] | None = None,
) -> Claim:
    """报案 on ``vehicle`` (``policy`` is accepted for older callers: its vehicle is meant).
    What was damaged: ``own_car``, ``other_car`` (default: not a single-vehicle accident),
    ``other_property``, ``injured`` and ``deaths`` (people); ``liability`` if known
    (``rules.reporting.LIABILITY_SHARES``). Screening (review flags, the fast track on the
    estimate) runs in a task after the commit (``screen``)."""
    vehicle_id = _vehicle_id(vehicle, policy)
    if channel not in ReportChannel.values:
        raise DomainError("channel", "报案渠道不合法 / unknown report channel", "channel")
    terms = vehicle_terms(vehicle_id)
    if not _may_report(acting_user, terms):
        raise PermissionDenied("无权为该车辆报案 / you may not report a claim on this vehicle")
    if accident_at is None or timezone.is_naive(accident_at):
        raise DomainError(
            "accident_at", "出险时间须含时区 / accident time needs a zone", "accident_at"
        )
    now = clock.now()
    if accident_at > now:
        raise DomainError(
            "accident_in_future",
            "出险时间不能晚于现在 / the accident is in the future",
            "accident_at",
        )
    accident_on, today = timezone.localdate(accident_at), timezone.localdate(now)
    rules.check_accident_dates(accident_on, today)
    cover = rules.policies_in_force(accident_on, terms)
    damage = _damage(own_car, other_car, single_vehicle, other_property, injured, deaths)
    share_said = _liability(liability)
    estimate = (
        None if customer_estimate in (None, "") else parse_money("estimate", customer_estimate)
    )
    checked = [check_file(photo, photo=True) for photo in photos or []]
    if coverage is None:
        coverage = rules.claim_coverage(
            damage, compulsory=cover.compulsory is not None, commercial=cover.commercial is not None
        )
    time_bar = conf.get("TIME_BAR_DAYS")
    late = rules.is_late(accident_on, today, time_bar)
    with transaction.atomic():
        claim = Claim(
            claim_no=f"CL{today:%Y%m%d}{uuid.uuid4().hex[:10].upper()}",
            policy_id=cover.policy.pk,
            compulsory_policy_id=cover.compulsory.pk if cover.compulsory else None,
            vehicle_id=vehicle_id,
            # 机构: the claim is handled by the unit that issued the policy carrying it (the
            # 交强险's when the 商业险 has none).
            unit_id=cover.policy.unit_id
            or (cover.compulsory.unit_id if cover.compulsory else None),
            coverage=coverage,
            accident_at=accident_at,
            reported_at=now,
            description=description[:2000],
            location=location[:128],
            injury=injury or damage.injured > 0 or damage.deaths > 0,
            deaths=damage.deaths,
            single_vehicle=not damage.other_car,
            liability_clear=liability_clear or share_said is not None,
            liability_share=share_said,
            late_report=late,
            customer_estimate=estimate,
            amount_reserved=estimate or ZERO,
            report_channel=channel,
            source=f"report:{channel}",
            status=ClaimStatus.REPORTED,
        )
        save_with_clocks(claim)
        if estimate:  # the customer's estimate opens the case reserve (issue #16)
            reserves.open_new(
                claim, estimate, by=acting_user, at=now, reason="客户估损 / the customer's estimate"
            )
        record(
            claim, Action.REPORT, "", acting_user, description[:255], channel=channel,
            damaged=_damaged(damage),
        )  # fmt: skip
        if late:  # Art 26: a person weighs the limitation; the report itself stands
            raise_flags(
                claim, [("late_report", rules.late_report_reason(accident_on, today, time_bar))]
            )
        for photo, content_type in zip(photos or [], checked, strict=True):
            store_document(claim, photo, DocumentKind.PHOTO, acting_user, content_type)
        audit.record(acting_user, AuditLog.Action.CREATE, claim, summary=claim.claim_no)
        # Screening reads the policy's history, the tier and the admin rules (≈10 queries):
        # a task after commit keeps the report request small. Until it has run the claim shows
        # "审核中 / being checked"; `claims_clocks` screens any claim whose task was lost.
        # robust: a queue that is down must not turn a committed report into an error page.
        # (A plain function, not functools.partial: Django logs a robust failure by __qualname__.)
        claim_id = claim.pk
        transaction.on_commit(lambda: enqueue_screening(claim_id), robust=True)
    return claim


def _vehicle_id(vehicle: Vehicle | int | None, policy: Policy | None) -> int:
    if isinstance(vehicle, Vehicle):
        return vehicle.pk
    if vehicle is not None:
        return int(vehicle)
    if policy is not None:
        return policy.vehicle_id
    raise DomainError("vehicle", "请选择出险车辆 / choose the vehicle", "vehicle")


def _damage(
    own_car: bool,
    other_car: bool | None,
    single_vehicle: bool,
    other_property: bool,
    injured: int,
    deaths: int,
) -> rules.Damage:
    if injured < 0 or deaths < 0:
        raise DomainError(
            "people", "人数不能为负 / a number of people cannot be negative", "injured"
        )
    return rules.Damage(
        own_car=bool(own_car),
        other_car=(not single_vehicle) if other_car is None else bool(other_car),
        other_property=bool(other_property),
        injured=int(injured),
        deaths=int(deaths),
    )


def _damaged(damage: rules.Damage) -> dict[str, Any]:
    return {
        "own_car": damage.own_car,
        "other_car": damage.other_car,
        "other_property": damage.other_property,
        "injured": damage.injured,
        "deaths": damage.deaths,
    }


def _liability(liability: str | None) -> Decimal | None:
    """全责/主责/同责/次责/无责 as a starting share, or a share 0..1; blank: not known yet."""
    if liability in (None, "", "unknown"):
        return None
    if liability in rules.LIABILITY_SHARES:
        return rules.LIABILITY_SHARES[liability]
    return share(liability)


def enqueue_screening(claim_id: int) -> None:
    # Within the app, inside the function: tasks.py imports the services to run them.
    from ..tasks import screen_claim

    screen_claim.enqueue(claim_id)


def link_compulsory_policies(claims: QuerySet[Claim] | None = None) -> int:
    """Bulk loads (the generator, imports): link each unlinked claim to the 交强险 its vehicle
    had in force on the accident day (Beijing time), in one UPDATE — the same statement as
    migration 0011. Returns how many claims were linked."""
    day = TruncDate(ExpressionWrapper(OuterRef("accident_at"), output_field=DateTimeField()))
    found = (
        Policy.objects.filter(
            vehicle_id=OuterRef("vehicle_id"),
            kind=rules.COMPULSORY,
            effective_date__lte=day,
            expiry_date__gt=day,
        )
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
        .order_by("-effective_date", "-pk")
        .values("pk")[:1]
    )
    qs = Claim.objects.all() if claims is None else claims
    return (
        qs.filter(compulsory_policy__isnull=True)
        .filter(Exists(found))
        .update(compulsory_policy=Subquery(found))
    )
