"""A customer's request (PIPL Arts 24, 44–47): received on a 15-working-day clock, answered
in writing by a person (the service manager), escalated when late.

- ``submit``: the customer (or staff recording a request received by phone) files it; a
  second click files nothing new (the open request of the same kind is returned). A copy
  request creates its ``DataExport`` and the worker makes the file.
- ``answer``: a written decision the customer reads on their page. A deletion granted is
  carried out here: anonymised, or restricted where 保险法第87条 keeps the records, and the
  answer says which in plain words.
- ``escalate_overdue``: the nightly job marks each open request past its last day (once),
  names the manager who must answer and e-mails them.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carecircle.core import audit, clock, locks, workdays
from carecircle.core.access import Action
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, OrgUnit, User
from carecircle.core.roles import Perm, Role, has_perm
from carecircle.parties.models import Customer

from .. import conf, rules
from ..choices import Decision, ExportStatus, RequestKind, RequestStatus, ReviewSubject
from ..models import DataExport, PrivacyRequest
from ..tasks import build_export_task
from . import erase

log = logging.getLogger(__name__)


def due_on(received_at: dt.datetime) -> dt.date:
    """The answer's last day: 15 working days (``ANSWER_WORKING_DAYS``) after the day of
    receipt, on the loaded working calendar."""
    return rules.answer_due(
        timezone.localdate(received_at),
        workdays.work_calendar(),
        conf.get("ANSWER_WORKING_DAYS"),
    )


def _may_file_for(user: Any, customer: Customer) -> bool:
    if getattr(user, "customer_id", None) == customer.pk and not user.is_insurer_staff:
        return True
    return (
        has_perm(user, Perm.HANDLE_COMPLAINTS)
        and Customer.objects.restrict(user).filter(pk=customer.pk).exists()
    )


def submit(
    customer: Customer,
    *,
    acting_user: Any,
    kind: str,
    subject: str = "",
    details: str = "",
) -> PrivacyRequest:
    if not _may_file_for(acting_user, customer):
        raise DomainError("forbidden", "只能为本人提出 / only for yourself", status=403)
    kind = RequestKind(kind)
    details = details.strip()
    if kind == RequestKind.REVIEW:
        if subject not in ReviewSubject.values:
            raise DomainError(
                "subject", "请选择要复核的决定 / choose the decision to review", "subject"
            )
    else:
        subject = ""
    if kind == RequestKind.CORRECTION and not details:
        raise DomainError(
            "details",
            "请说明哪项信息有误、正确的是什么 / say what is wrong and what is right",
            "details",
        )
    if customer.anonymised_at is not None:
        raise DomainError("anonymised", "该客户信息已匿名 / this customer is anonymised")
    with transaction.atomic():
        locks.lock(Customer, pk=customer.pk)  # one open request per kind, under the lock
        same = PrivacyRequest.objects.filter(
            customer=customer, kind=kind, subject=subject, status=RequestStatus.OPEN
        ).first()
        if same is not None:
            return same
        now = clock.now()
        request = PrivacyRequest.objects.create(
            customer=customer,
            kind=kind,
            subject=subject,
            details=details[:4000],
            received_at=now,
            due_on=due_on(now),
        )
        audit.record(
            acting_user,
            AuditLog.Action.CREATE,
            request,
            summary=f"privacy request {kind} received, answer by {request.due_on}",
        )
        if kind == RequestKind.EXPORT:
            export = DataExport.objects.create(request=request, customer=customer)
            transaction.on_commit(lambda: _enqueue_export(export.pk))
    return request


def _enqueue_export(export_id: int) -> None:
    """Queued after commit; a queue that is down leaves the export pending for the nightly
    job (``retry_pending``) rather than failing the customer's request."""
    try:
        build_export_task.enqueue(export_id)
    except Exception:
        log.exception("could not queue data export %s", export_id)


def retry_pending() -> int:
    """Queue again every export still pending (the nightly catch-up); idempotent."""
    ids = list(DataExport.objects.filter(status=ExportStatus.PENDING).values_list("pk", flat=True))
    for pk in ids:
        _enqueue_export(pk)
    return len(ids)


DELETION_RESTRICTED = (
    "根据《保险法》第八十七条，保单和理赔记录须在合同终止后保存{years}。"
    "在此之前我们不能删除这些记录，但已限制处理：除履行合同和法律义务外不再使用，"
    "也不会再向您发送营销信息。保存期满后，您的个人信息将被匿名化。"
    " / Under Article 87 of the Insurance Law we must keep policy and claim records for "
    "{years_en} after the contract ends. Until then we cannot delete them, but we have "
    "restricted their use: they are used only to honour the contract and the law, and you will "
    "get no marketing. When the period ends, your personal data will be anonymised."
)
DELETION_DONE = (
    "您的个人信息已匿名化：姓名、手机号、证件号、地址等已清除，您的登录已关闭。"
    " / Your personal data has been anonymised: name, mobile, ID number, address and the like "
    "are cleared and your login is closed."
)


def _years_words(kept_until: dt.date | None) -> tuple[str, str]:
    short, long = conf.get("ART87_YEARS_SHORT"), conf.get("ART87_YEARS_LONG")
    if kept_until == dt.date.max:
        zh = f"至少{short}年(您仍有未结赔案)"
        return zh, f"at least {short} years (you still have a claim open)"
    if kept_until is None:
        return f"{short}年", f"{short} years"
    return (
        f"{short}年(一年以下的合同)或{long}年(更长的合同)，即至{kept_until:%Y年%m月%d日}",
        f"{short} years (contracts of a year or less) or {long} years (longer ones), "
        f"that is until {kept_until:%d %B %Y}",
    )


def answer(
    request: PrivacyRequest, *, acting_user: Any, decision: str, text: str
) -> PrivacyRequest:
    """The person's written decision. Only those who may change the request (the service
    manager of the customer's unit or above) answer; an answered request is final."""
    if (
        not PrivacyRequest.objects.restrict(acting_user, Action.CHANGE)
        .filter(pk=request.pk)
        .exists()
    ):
        raise DomainError(
            "forbidden", "无权答复该请求 / you may not answer this request", status=403
        )
    decision = Decision(decision)
    text = text.strip()
    if not text:
        raise DomainError("answer", "请写明答复 / write the answer", "answer")
    if decision == Decision.RESTRICTED:
        raise DomainError(
            "decision",
            "限制处理由系统依法判断，请选择“办理” / restriction follows from the law: choose granted",
            "decision",
        )
    with transaction.atomic():
        r = locks.lock(PrivacyRequest, pk=request.pk)
        if r.status != RequestStatus.OPEN:
            raise DomainError("answered", "该请求已答复 / already answered", status=409)
        if r.kind == RequestKind.EXPORT and decision == Decision.GRANTED:
            raise DomainError(
                "export",
                "数据副本由系统生成后自动答复 / a copy is answered when it is made",
                "decision",
            )
        if r.kind == RequestKind.DELETION and decision == Decision.GRANTED:
            decision, extra = _carry_out_deletion(r, acting_user)
            text = f"{text}\n\n{extra}"
        r.status, r.decision, r.answer = RequestStatus.ANSWERED, decision, text[:8000]
        r.answered_at, r.answered_by = clock.now(), acting_user
        r.save(update_fields=["status", "decision", "answer", "answered_at", "answered_by"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            r,
            summary=f"privacy request {r.kind} answered: {decision}",
        )
    return r


def _carry_out_deletion(r: PrivacyRequest, acting_user: Any) -> tuple[Decision, str]:
    held = erase.art87(r.customer_id)
    customer = Customer.objects.get(pk=r.customer_id)
    if held.keeps:
        erase.restrict(customer, acting_user=acting_user, reason=f"deletion request {r.reference}")
        zh, en = _years_words(held.kept_until)
        return Decision.RESTRICTED, DELETION_RESTRICTED.format(years=zh, years_en=en)
    erase.anonymise(customer, acting_user=acting_user, reason=f"deletion request {r.reference}")
    return Decision.GRANTED, DELETION_DONE


# ---- lateness ------------------------------------------------------------------------------


def manager_for(customer: Customer) -> User | None:
    """Who answers a late request: the service manager nearest the customer's unit (the unit
    or one above it), else a manager there, else anyone at head office who may."""
    unit = OrgUnit.objects.filter(pk=customer.unit_id).first() if customer.unit_id else None
    ancestors = [p for p in (unit.path.strip("/").split("/") if unit else []) if p]
    candidates = User.objects.filter(is_active=True, role__in=(Role.SERVICE_MANAGER, Role.MANAGER))
    if unit is not None:
        paths = ["/" + "/".join(ancestors[: i + 1]) + "/" for i in range(len(ancestors))]
        candidates = candidates.filter(Q(unit__path__in=paths))
    else:
        candidates = candidates.filter(unit__parent__isnull=True)
    ranked = sorted(
        candidates.select_related("unit"),
        key=lambda u: (u.role != Role.SERVICE_MANAGER, -len(u.unit.path if u.unit else ""), u.pk),
    )
    return ranked[0] if ranked else None


def escalate_overdue(today: dt.date | None = None) -> int:
    """Mark every open request past its last day (once), name its manager and e-mail them.
    Idempotent: a request escalated before is not escalated again."""
    day = today or clock.today()
    ids = list(
        PrivacyRequest.objects.overdue(day)
        .filter(escalated_at__isnull=True)
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            r = locks.lock(PrivacyRequest, pk=pk)
            if (
                r.status != RequestStatus.OPEN
                or r.escalated_at is not None
                or not r.is_overdue(day)
            ):
                continue
            customer = Customer.objects.get(pk=r.customer_id)
            r.escalated_at, r.escalated_to = clock.now(), manager_for(customer)
            r.save(update_fields=["escalated_at", "escalated_to"])
            audit.record(
                None,
                AuditLog.Action.UPDATE,
                r,
                summary=f"privacy request late (due {r.due_on}): escalated to "
                f"{r.escalated_to or 'nobody'}",
            )
            if r.escalated_to is not None and r.escalated_to.email:
                transaction.on_commit(partial(_mail, r))
            count += 1
    return count


def _mail(r: PrivacyRequest) -> None:
    try:
        send_mail(
            f"个人信息权利请求已超时 / Privacy request {r.reference} is late",
            f"{r.reference} ({r.get_kind_display()}) 应于 {r.due_on} 前答复，已超时。"
            f" / was due by {r.due_on} and is late. /privacy/queue/",
            None,
            [r.escalated_to.email],  # type: ignore[union-attr]
        )
    except Exception:
        log.exception("could not e-mail the escalation of %s", r.reference)
