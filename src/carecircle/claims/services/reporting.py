"""Reporting a claim (报案) from the phone page, a handler or the API: the accident must fall
in the policy period and the report within the time bar; photos are checked before anything is
written. The request stays small: screening runs in a task after the commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.money import ZERO, parse_money
from carecircle.core.roles import Perm, has_perm
from carecircle.policies.models import Policy

from .. import conf, rules
from ..choices import Action, ClaimStatus, DocumentKind, ReportChannel
from ..models import Claim
from .clocks import save_with_clocks
from .documents import check_file, store_document
from .timeline import record


def report_claim(
    *,
    acting_user,
    policy: Policy,
    accident_at: dt.datetime,
    description: str = "",
    location: str = "",
    injury: bool = False,
    single_vehicle: bool = False,
    liability_clear: bool = False,
    customer_estimate: Any = None,
    coverage: str | None = None,
    channel: str = ReportChannel.STAFF,
    photos: list[UploadedFile] | None = None,
) -> Claim:
    """报案. The accident must fall in the policy period; photos are checked before anything is
    written; screening (review flags, the fast track on the estimate) runs in a task after the
    commit (``screen``)."""
    if not (
        has_perm(acting_user, Perm.HANDLE_CLAIMS)
        or getattr(acting_user, "customer_id", None) == policy.customer_id
        or (
            getattr(acting_user, "partner_id", None) and policy.partner_id == acting_user.partner_id
        )
    ):
        raise PermissionDenied("无权为该保单报案 / you may not report a claim on this policy")
    if channel not in ReportChannel.values:
        raise DomainError("channel", "报案渠道不合法 / unknown report channel", "channel")
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
    rules.check_policy_covers(
        timezone.localdate(accident_at),
        policy.effective_date,
        policy.expiry_date,
        policy.cancelled_on,
        timezone.localdate(now),
        conf.get("TIME_BAR_DAYS"),
    )
    estimate = (
        None if customer_estimate in (None, "") else parse_money("estimate", customer_estimate)
    )
    checked = [check_file(photo, photo=True) for photo in photos or []]
    if coverage is None:
        coverage = "compulsory" if policy.kind == "compulsory" else "vehicle_damage"
    with transaction.atomic():
        claim = Claim(
            claim_no=f"CL{timezone.localdate(now):%Y%m%d}{uuid.uuid4().hex[:10].upper()}",
            policy=policy,
            vehicle_id=policy.vehicle_id,
            coverage=coverage,
            accident_at=accident_at,
            reported_at=now,
            description=description[:2000],
            location=location[:128],
            injury=injury,
            single_vehicle=single_vehicle,
            liability_clear=liability_clear,
            customer_estimate=estimate,
            amount_reserved=estimate or ZERO,
            report_channel=channel,
            source=f"report:{channel}",
            status=ClaimStatus.REPORTED,
        )
        save_with_clocks(claim)
        record(claim, Action.REPORT, "", acting_user, description[:255], channel=channel)
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


def enqueue_screening(claim_id: int) -> None:
    # Within the app, inside the function: tasks.py imports the services to run them.
    from ..tasks import screen_claim

    screen_claim.enqueue(claim_id)
