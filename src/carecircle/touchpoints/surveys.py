"""Surveys after key moments (CSAT 1–5, NPS 0–10) and referrals (转介绍).

A survey is an invitation sent through ``notify`` as a *marketing-purpose* message: it needs the
customer's explicit consent, honours do-not-call, unsubscribe and the caps (ADR 0009). A blocked
invitation is kept as ``not_sent``. The customer answers once, before it expires; the answer is
also recorded as an interaction on the customer timeline (it is what scorecards and the value
engine read as satisfaction).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer
from carecircle.parties.services import require_visible

from . import conf, rules
from .choices import ContactType, ReferralStatus, SurveyMoment, SurveyStatus
from .models import Interaction, Referral, Survey

SALT = "carecircle.touchpoints.survey"
MOMENT_WORDS = {
    SurveyMoment.CLAIM_CLOSED: ("理赔", "claim service"),
    SurveyMoment.RENEWAL: ("续保", "renewal"),
    SurveyMoment.SERVICE_USED: ("增值服务", "value-added service"),
    SurveyMoment.COMPLAINT_CLOSED: ("投诉处理", "complaint handling"),
    SurveyMoment.SALE: ("投保", "sale"),
}
TOUCHPOINT_OF = {
    SurveyMoment.CLAIM_CLOSED: ContactType.CLAIMS,
    SurveyMoment.RENEWAL: ContactType.PHONE,
    SurveyMoment.SERVICE_USED: ContactType.SERVICE,
    SurveyMoment.COMPLAINT_CLOSED: ContactType.BRAND,
    SurveyMoment.SALE: ContactType.SALES,
}


def token_for(survey: Survey) -> str:
    return signing.Signer(salt=SALT).sign_object({"s": survey.pk})


def survey_from(token: str) -> Survey | None:
    try:
        pk = int(signing.Signer(salt=SALT).unsign_object(token)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return Survey.objects.select_related("customer").filter(pk=pk).first()


def survey_path(survey: Survey) -> str:
    return reverse("ecosystem:survey", args=[token_for(survey)])


def send_survey(
    customer: Customer,
    moment: str,
    *,
    staff=None,
    partner=None,
    claim=None,
    policy=None,
    complaint=None,
    branch: str = "",
    dedupe_key: str = "",
) -> Survey:
    """Invite the customer to rate a key moment; once per ``dedupe_key`` (default: the moment
    and the record it follows)."""
    from carecircle.notify import conf as notify_conf
    from carecircle.notify.choices import MessageStatus
    from carecircle.notify.services import send

    if moment not in SurveyMoment.values:
        raise DomainError("unknown_moment", f"moment 须为 {SurveyMoment.values} 之一", "moment")
    anchor = claim or policy or complaint
    key = dedupe_key or f"survey:{moment}:{type(anchor).__name__}:{getattr(anchor, 'pk', '')}"
    if not anchor and not dedupe_key:
        key += f":{customer.pk}:{clock.today()}"
    existing = Survey.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing
    now = clock.now()
    with transaction.atomic():
        survey = Survey.objects.create(
            customer=customer,
            moment=moment,
            touchpoint=TOUCHPOINT_OF[SurveyMoment(moment)],
            staff=staff,
            partner=partner,
            claim=claim,
            policy=policy,
            complaint=complaint,
            branch=branch or customer.city,
            dedupe_key=key,
            sent_at=now,
            expires_at=now + dt.timedelta(days=conf.get("SURVEY_DAYS")),
        )
        zh, en = MOMENT_WORDS[SurveyMoment(moment)]
        message = send(
            customer,
            "survey_invitation",
            purpose="marketing",
            context={
                "moment": zh,
                "moment_en": en,
                "link": notify_conf.get("PUBLIC_BASE_URL").rstrip("/") + survey_path(survey),
                "expires_on": f"{survey.expires_at:%Y-%m-%d}",
            },
            dedupe_key=f"msg:{key}",
        )
        survey.message = message
        if message.status == MessageStatus.BLOCKED:
            survey.status = SurveyStatus.NOT_SENT
        survey.save(update_fields=["message", "status"])
        return survey


def answer(survey: Survey, *, csat: int, nps: int | None = None, comment: str = "") -> Survey:
    """Record the customer's answer: once, and only while the survey is open."""
    if not isinstance(csat, int) or not 1 <= csat <= 5:
        raise DomainError("csat_range", "满意度须为1–5 / CSAT is 1 to 5", "csat")
    if nps is not None and (not isinstance(nps, int) or not 0 <= nps <= 10):
        raise DomainError("nps_range", "推荐意愿须为0–10 / NPS is 0 to 10", "nps")
    now = clock.now()
    with transaction.atomic():
        taken = Survey.objects.filter(
            pk=survey.pk, status=SurveyStatus.SENT, answered_at__isnull=True, expires_at__gt=now
        ).update(
            status=SurveyStatus.ANSWERED,
            answered_at=now,
            csat=csat,
            nps=nps,
            comment=comment.strip()[:500],
        )
        survey.refresh_from_db()
        if not taken:
            if survey.answered_at is not None:
                raise DomainError(
                    "already_answered", "该问卷已回答 / already answered", "survey", status=409
                )
            if survey.status == SurveyStatus.NOT_SENT:
                raise DomainError("not_sent", "该问卷未发送 / this survey was not sent", "survey")
            raise DomainError(
                "survey_expired", "问卷已过期 / this survey has expired", "survey", status=410
            )
        Interaction.objects.create(
            customer=survey.customer,
            contact_type=survey.touchpoint,
            medium="app",
            direction="inbound",
            occurred_at=now,
            staff=survey.staff,
            partner=survey.partner,
            policy=survey.policy,
            claim=survey.claim,
            summary=f"满意度调查 / survey: CSAT {csat}"
            + (f", NPS {nps}" if nps is not None else ""),
            outcome="informed",
            satisfaction=csat,
            source="survey",
        )
        audit.record(None, AuditLog.Action.UPDATE, survey, summary=f"answered CSAT {csat}")
        return survey


GROUPS = {
    "touchpoint": "touchpoint",
    "staff": "staff__username",
    "partner": "partner__name",
    "branch": "branch",
    "moment": "moment",
}


def results(start: dt.datetime, end: dt.datetime, by: str) -> list[dict[str, Any]]:
    """CSAT average and NPS per touchpoint / staff / partner / branch for surveys sent in
    [start, end): sent, answered, response rate."""
    column = GROUPS[by]
    sent = Survey.objects.filter(sent_at__gte=start, sent_at__lt=end).exclude(
        status=SurveyStatus.NOT_SENT
    )
    rows = (
        sent.values(column)
        .annotate(
            sent=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            csat=Avg("csat"),
        )
        .order_by(column)
    )
    nps_scores: dict[Any, list[int]] = {}
    for key, score in sent.filter(nps__isnull=False).values_list(column, "nps"):
        nps_scores.setdefault(key, []).append(score)
    out = []
    for row in rows:
        key = row[column]
        out.append(
            {
                "key": key,
                "sent": row["sent"],
                "answered": row["answered"],
                "response_rate": (
                    (Decimal(row["answered"]) / row["sent"]).quantize(Decimal("0.001"))
                    if row["sent"]
                    else None
                ),
                "csat": Decimal(str(row["csat"])).quantize(Decimal("0.01"))
                if row["csat"] is not None
                else None,
                "nps": rules.nps(nps_scores.get(key, [])),
            }
        )
    return out


# ------------------------------------------------------------------ referrals


def record_referral(
    referrer: Customer,
    *,
    acting_user: Any,
    referred_name: str,
    referred_phone: str = "",
    partner=None,
) -> Referral:
    from carecircle.core import pii

    if not getattr(acting_user, "is_insurer_staff", False):
        raise DomainError(
            "staff_only", "仅员工可登记推荐 / staff record referrals", None, status=403
        )
    require_visible(referrer, acting_user)
    if not referred_name.strip():
        raise DomainError("name_required", "请填写被推荐人 / who was referred?", "referred_name")
    with transaction.atomic():
        referral = Referral.objects.create(
            referrer=referrer,
            referred_name=referred_name.strip()[:64],
            referred_phone_masked=pii.mask_phone(referred_phone) if referred_phone else "",
            partner=partner,
            staff=acting_user,
            recorded_at=clock.now(),
        )
        Interaction.objects.create(
            customer=referrer,
            contact_type=ContactType.BRAND,
            medium="visit",
            direction="inbound",
            occurred_at=referral.recorded_at,
            staff=acting_user,
            partner=partner,
            summary=f"转介绍 / referred {pii.mask_name(referral.referred_name)}",
            outcome="informed",
            source="referral",
        )
        audit.record(acting_user, AuditLog.Action.CREATE, referral, summary="referral")
        return referral


OUTCOME_FLOW = {
    ReferralStatus.RECORDED: {
        ReferralStatus.CONTACTED,
        ReferralStatus.QUOTED,
        ReferralStatus.WON,
        ReferralStatus.LOST,
    },
    ReferralStatus.CONTACTED: {ReferralStatus.QUOTED, ReferralStatus.WON, ReferralStatus.LOST},
    ReferralStatus.QUOTED: {ReferralStatus.WON, ReferralStatus.LOST},
}


def referral_outcome(
    referral: Referral, *, acting_user: Any, status: str, referred=None, policy=None
) -> Referral:
    """Move a referral on; a won referral names the new customer and policy."""
    if not getattr(acting_user, "is_insurer_staff", False):
        raise DomainError("staff_only", "仅员工 / staff only", None, status=403)
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if status not in OUTCOME_FLOW.get(ReferralStatus(locked.status), set()):
            raise DomainError(
                "transition_not_allowed",
                f"不能从{locked.status}到{status} / cannot go from {locked.status} to {status}",
                "status",
                status=409,
            )
        if status == ReferralStatus.WON and policy is None:
            raise DomainError(
                "policy_required", "成交须关联保单 / a won referral names the policy", "policy"
            )
        before = locked.status
        locked.status = status
        locked.referred = referred or (policy.customer if policy is not None else locked.referred)
        locked.policy = policy or locked.policy
        locked.outcome_at = clock.now()
        locked.save()
        audit.record(
            acting_user, AuditLog.Action.UPDATE, locked, changes={"status": [before, status]}
        )
        return locked


def referral_summary(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    rows = Referral.objects.filter(recorded_at__gte=start, recorded_at__lt=end)
    by_status = {r["status"]: r["n"] for r in rows.values("status").annotate(n=Count("id"))}
    total = sum(by_status.values())
    won = by_status.get(ReferralStatus.WON, 0)
    return {
        "total": total,
        "by_status": by_status,
        "won": won,
        "conversion": (Decimal(won) / total).quantize(Decimal("0.001")) if total else None,
        "referrers": rows.values("referrer").distinct().count(),
    }
