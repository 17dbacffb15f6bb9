"""Surveys after key moments (CSAT 1–5, NPS 0–10): sent, and answered from the link.

A survey is an invitation sent through ``notify`` as a *marketing-purpose* message: it needs the
customer's explicit consent, honours do-not-call, unsubscribe and the caps (ADR 0009). A blocked
invitation is kept as ``not_sent``. The customer answers once, before it expires; the answer is
also recorded as an interaction on the customer timeline (it is what scorecards and the value
engine read as satisfaction).
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import transaction
from django.urls import reverse

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.notify import conf as notify_conf
from carecircle.notify.choices import MessageStatus
from carecircle.notify.services import send
from carecircle.parties.models import Customer

from .. import conf
from ..choices import ContactType, SurveyMoment, SurveyStatus
from ..models import Interaction, Survey

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
    return reverse("touchpoints:survey", args=[token_for(survey)])


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
