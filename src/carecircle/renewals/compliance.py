"""The law on renewal calls, checked before every dial (DOMAIN.md, docs/renewals.md).

``violations`` is pure: it returns every rule a contact would break right now. Services
lock the task, call it, and on a violation log a ``ComplianceBlock`` (outside the rolled-back
transaction, so the attempt is on record) and refuse with the rule's message.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from carecircle.core.errors import DomainError
from carecircle.parties.models import Customer

from .conf import RenewalSettings
from .models import ComplianceBlock, Contact, RenewalTask, Rule, Status


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


class Blocked(Exception):
    def __init__(self, violation: Violation):
        super().__init__(violation.message)
        self.violation = violation


def local_time(customer: Customer, now: dt.datetime, conf: RenewalSettings) -> dt.datetime:
    zone = conf.by_province(conf.province_time_zones, customer.province, "Asia/Shanghai")
    return now.astimezone(zoneinfo.ZoneInfo(zone))


def calling_hours(customer: Customer, conf: RenewalSettings) -> tuple[dt.time, dt.time]:
    hours = conf.city_call_hours.get(customer.city)
    if hours:
        return dt.time.fromisoformat(hours[0]), dt.time.fromisoformat(hours[1])
    return conf.call_start, conf.call_end


def _asked_for_now(task: RenewalTask, now: dt.datetime) -> bool:
    """A call-back the customer asked for, due within a quarter of an hour."""
    return (
        task.customer_asked
        and task.status == Status.CALLBACK
        and task.due_at is not None
        and abs((task.due_at - now).total_seconds()) <= 15 * 60
    )


def violations(
    task: RenewalTask, customer: Customer, now: dt.datetime, conf: RenewalSettings
) -> list[Violation]:
    found = []
    local = local_time(customer, now, conf)
    start, end = calling_hours(customer, conf)
    if not (start <= local.time() < end) and not _asked_for_now(task, now):
        found.append(
            Violation(
                Rule.CALLING_HOURS,
                f"客户当地时间 {local:%H:%M}，仅可在 {start:%H:%M}–{end:%H:%M} 呼叫 / "
                f"customer's local time is {local:%H:%M}; calls only {start:%H:%M}–{end:%H:%M}",
            )
        )
    today = local.date()
    if customer.do_not_call_until and customer.do_not_call_until >= today:
        found.append(
            Violation(
                Rule.DO_NOT_CALL,
                f"客户在免打扰名单至 {customer.do_not_call_until} / "
                f"customer is on the do-not-call list until {customer.do_not_call_until}",
            )
        )
    if (
        conf.renewal_calls_need_consent
        and not customer.marketing_consent
        and not task.customer_asked
    ):
        found.append(
            Violation(
                Rule.NO_CONSENT,
                "客户未明示同意营销联系，请改用续保通知或等待客户来电 / no explicit marketing "
                "consent: send the renewal notice instead or wait for the customer to call",
            )
        )
    earliest = task.expiry_date - dt.timedelta(days=conf.earliest_call_days)
    if today < earliest and not task.customer_asked:
        found.append(
            Violation(
                Rule.TOO_EARLY,
                f"到期前{conf.earliest_call_days}天内方可呼出，最早 {earliest} / renewal calls "
                f"start {conf.earliest_call_days} days before expiry, on {earliest}",
            )
        )
    if task.attempts >= conf.attempts_per_renewal:
        found.append(
            Violation(
                Rule.RENEWAL_ATTEMPTS,
                f"本续保已呼叫 {task.attempts} 次（上限 {conf.attempts_per_renewal}）/ "
                f"{task.attempts} attempts on this renewal (limit {conf.attempts_per_renewal})",
            )
        )
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    contacts = Contact.objects.filter(customer=customer)
    unanswered = contacts.filter(at__gte=day_start, connected=False).count()
    if unanswered >= conf.unanswered_per_day:
        found.append(
            Violation(
                Rule.DAILY_ATTEMPTS,
                f"今日已有 {unanswered} 次未接通（上限 {conf.unanswered_per_day}）/ "
                f"{unanswered} unanswered attempts today (limit {conf.unanswered_per_day})",
            )
        )
    since = now - dt.timedelta(days=conf.contact_cap_days)
    recent = contacts.filter(Q(at__gte=since)).count()
    if recent >= conf.contact_cap:
        found.append(
            Violation(
                Rule.CONTACT_CAP,
                f"近{conf.contact_cap_days}天各渠道已联系 {recent} 次（上限 {conf.contact_cap}）/ "
                f"{recent} contacts from all channels in {conf.contact_cap_days} days "
                f"(limit {conf.contact_cap})",
            )
        )
    return found


def log_block(task: RenewalTask | None, user, now: dt.datetime, violation: Violation) -> None:
    """Recorded in its own transaction so the refused attempt stays on record."""
    with transaction.atomic():
        ComplianceBlock.objects.create(
            task=task,
            customer_id=task.customer_id if task else None,
            by=user,
            at=now,
            rule=violation.rule,
            message=violation.message[:255],
        )


def refusal(violation: Violation) -> DomainError:
    return DomainError(violation.rule, violation.message, status=409)
