"""The renewals API (#16): the underwriting referral queue (核保). Underwriters list the
referrals of their unit's subtree and decide one; everyone else is refused (403).
Handlers parse, fetch through ``restrict``, call one service, render."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from carecircle.core.api.auth import acting_user
from carecircle.core.api.pagination import LimitOffsetNoCount
from carecircle.core.api.schemas import ERRORS
from carecircle.core.roles import Perm, has_perm

from .models import ReferralStatus, UnderwritingReferral
from .services import underwriting

router = Router(tags=["renewals"])


class ReferralOut(Schema):
    id: int
    task_id: int
    customer_id: int
    unit_id: int | None
    list_entry_id: int
    list_reasons: str
    list_reasons_text: str
    status: str
    referred_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_id: int | None
    min_pricing_coefficient: Decimal | None
    excess_note: str
    excluded_coverages: str
    reason: str


class ReferralFilters(Schema):
    status: str | None = Field(None, description="pending | accepted | declined | withdrawn")


class DecisionIn(Schema):
    accept: bool
    min_pricing_coefficient: Decimal | None = None
    excess_note: str = ""
    excluded_coverages: str = ""
    reason: str = Field("", description="required to decline")


def _underwriter(request: HttpRequest) -> Any:
    user = acting_user(request)
    if not has_perm(user, Perm.UNDERWRITE):
        raise PermissionDenied("无核保权限 / you do not underwrite")
    return user


@router.get("/underwriting/referrals", response={200: list[ReferralOut], **ERRORS})
@paginate(LimitOffsetNoCount)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]):
    rows = UnderwritingReferral.objects.restrict(_underwriter(request))
    if filters.status in ReferralStatus.values:
        rows = rows.filter(status=filters.status)
    return rows.order_by("-referred_at", "-pk")


@router.post(
    "/underwriting/referrals/{referral_id}/decision", response={200: ReferralOut, **ERRORS}
)
def decide_referral(request: HttpRequest, referral_id: int, payload: DecisionIn):
    """Accept with conditions or decline with a written reason; a decided referral is 409."""
    return underwriting.decide(
        referral_id,
        accept=payload.accept,
        acting_user=_underwriter(request),
        min_pricing=payload.min_pricing_coefficient,
        excess_note=payload.excess_note,
        excluded_coverages=payload.excluded_coverages,
        reason=payload.reason,
    )
