"""Personalised reminders (个性化推送): rules that find who should hear what today, sent
through ``notify`` (consent, caps, quiet hours and the log are notify's). Every message has a
dedupe key, so running the rules twice a day sends nothing twice.

Rules: renewal due (30 and 7 days), annual inspection due, maintenance due, voucher expiring,
claim step done, weather alert for the customer's city (from the file the branch uploads),
birthday greetings for the top tiers; and the surveys after yesterday's key moments (claims
closed, renewals, services used, complaints closed). Run nightly by ``carecircle ecosystem reminders``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from carecircle.claims.models import Claim
from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.notify.services import CHUNK, Outgoing, send_many
from carecircle.parties.choices import VehicleUse
from carecircle.parties.models import Customer, Vehicle
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Complaint
from carecircle.touchpoints.services.surveys import send_survey

from . import conf, rules
from .models import ReminderRun, WeatherAlert


@dataclass
class Reminder:
    customer: Customer | int  # an instance, or only its pk (big rules need no full rows)
    kind: str
    purpose: str
    context: dict[str, Any]
    dedupe_key: str

    @property
    def customer_id(self) -> int:
        return self.customer if isinstance(self.customer, int) else self.customer.pk


def renewal_due(day: dt.date) -> Iterator[Reminder]:
    for days in conf.get("RENEWAL_REMINDER_DAYS"):
        expiring = (
            Policy.objects.filter(
                expiry_date=day + dt.timedelta(days=days), cancelled_on__isnull=True
            )
            .filter(renewed_by__isnull=True)
            .select_related("customer", "vehicle")
        )
        for p in expiring.iterator(chunk_size=2000):
            yield Reminder(
                p.customer,
                "renewal_reminder",
                "service",
                {
                    "plate": p.vehicle.plate or p.vehicle.vin,
                    "policy_no": p.policy_no,
                    "expiry_date": str(p.expiry_date),
                },
                f"renewal:{p.policy_no}:{days}",
            )


def _vehicles_on(day: dt.date, months_back: tuple[int, ...]):
    """Vehicles whose first registration falls on ``day`` minus whole months (DB-side filter)."""
    for m in months_back:
        target = rules.add_months(day, -m)
        yield from Vehicle.objects.filter(
            first_registration__month=target.month, first_registration__day=target.day
        ).select_related("owner")


def inspection_due(day: dt.date) -> Iterator[Reminder]:
    due = day + dt.timedelta(days=conf.get("INSPECTION_LEAD_DAYS"))
    seen = set()
    for v in _vehicles_on(due, (0, 6)):
        if v.pk in seen or v.first_registration is None:
            continue
        seen.add(v.pk)
        operating = v.use in (VehicleUse.OPERATING, VehicleUse.RIDE_HAILING)
        if rules.inspection_due_on(v.first_registration, due, operating):
            yield Reminder(
                v.owner,
                "inspection_due",
                "service",
                {"plate": v.plate or v.vin, "due_date": str(due)},
                f"inspection:{v.vehicle_no}:{due}",
            )


def maintenance_due(day: dt.date) -> Iterator[Reminder]:
    due = day + dt.timedelta(days=conf.get("MAINTENANCE_LEAD_DAYS"))
    seen = set()
    for v in _vehicles_on(due, (0, 6)):
        if v.pk in seen or v.first_registration is None:
            continue
        seen.add(v.pk)
        if rules.maintenance_due_on(v.first_registration, due):
            # Maintenance offers point to alliance merchants: marketing, consent needed.
            yield Reminder(
                v.owner,
                "maintenance_due",
                "marketing",
                {"plate": v.plate or v.vin, "due_date": str(due)},
                f"maintenance:{v.vehicle_no}:{due}",
            )


def voucher_expiring(day: dt.date) -> Iterator[Reminder]:
    try:
        voucher = apps.get_model("alliance", "Voucher")
    except LookupError:
        return
    # Every unused voucher ending within the lead time, not only those ending exactly
    # lead days ahead: a night the job did not run, or a voucher issued with less time left,
    # must still be reminded. The dedupe key is the voucher's, so it is reminded once.
    # Marketing purpose: the issue asks for these "with consent", and a reminder to use a
    # service is a nudge, not a notice about the contract (claim steps, renewals are).
    until = day + dt.timedelta(days=conf.get("VOUCHER_LEAD_DAYS"))
    for v in voucher.objects.filter(
        status="issued", valid_until__gte=day, valid_until__lte=until
    ).select_related("customer", "product"):
        yield Reminder(
            v.customer,
            "voucher_expiring",
            "marketing",
            {"voucher": str(v.product), "expires_on": str(v.valid_until)},
            f"voucher:{v.code}:expiring",
        )


def claim_steps(day: dt.date) -> Iterator[Reminder]:
    """Claims that reached a step yesterday or today: the claims workflow's transitions and the
    paid / closed stamps of the claim record (one message per claim and step)."""
    steps = conf.get("CLAIM_STEPS")
    since = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tzinfo=clock.now().tzinfo)
    until = since + dt.timedelta(days=2)
    found: dict[tuple[str, str], tuple[Claim, str]] = {}
    try:
        transition = apps.get_model("claims", "ClaimTransition")
    except LookupError:  # the claims workflow has not landed: the stamps below still work
        transition = None
    if transition is not None:
        for t in transition.objects.filter(
            at__gte=since, at__lt=until, to_status__in=list(steps)
        ).select_related("claim__policy__customer"):
            found[(t.claim.claim_no, t.to_status)] = (t.claim, t.to_status)
    for stamp, status in (("paid_at", "paid"), ("closed_at", "closed")):
        for c in Claim.objects.filter(
            **{f"{stamp}__gte": since, f"{stamp}__lt": until}
        ).select_related("policy__customer"):
            found.setdefault((c.claim_no, status), (c, status))
    for claim, status in found.values():
        zh, en = steps[status]
        yield Reminder(
            claim.policy.customer,
            "claim_step",
            "service",
            {"claim_no": claim.claim_no, "step": f"{zh} / {en}"},
            f"claim:{claim.claim_no}:{status}",
        )


def weather(day: dt.date) -> Iterator[Reminder]:
    """Customers of the alert's city with a policy in force: one streamed query of ids per
    alert (a city can hold 50,000 customers; ``run`` sends them through ``send_many``)."""
    insured = Policy.objects.in_force_on(day).values("customer_id")
    for alert in WeatherAlert.objects.filter(day__in=[day, day + dt.timedelta(days=1)]):
        context = {
            "city": alert.city,
            "date": f"{alert.day:%m月%d日}",
            "warning": alert.warning,
            "warning_en": alert.warning_en or alert.warning,
        }
        # The ids are read in one go, not through ``iterator()``: PostgreSQL plans a server-side
        # cursor for the first rows (a nested loop over policies) and a 40,000-customer city
        # took minutes; a list of ints is 8 bytes a customer.
        ids = list(
            Customer.objects.filter(city=alert.city, pk__in=insured)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for customer_id in ids:
            yield Reminder(
                customer_id,
                "weather_alert",
                "service",
                context,
                f"weather:{alert.pk}:{customer_id}",
            )


def birthdays(day: dt.date) -> Iterator[Reminder]:
    try:
        values = apps.get_model("value", "CustomerValue").objects.current()
    except LookupError:
        return
    top = values.filter(tier__in=conf.get("BIRTHDAY_TIERS")).values("customer_id")
    born = Customer.objects.filter(pk__in=top, birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28:  # 29 February birthdays are greeted on the 28th
        born = born | Customer.objects.filter(pk__in=top, birth_date__month=2, birth_date__day=29)
    for customer in born:
        yield Reminder(customer, "birthday", "marketing", {}, f"birthday:{customer.pk}:{day.year}")


RULES = {
    "renewal_reminder": renewal_due,
    "inspection_due": inspection_due,
    "maintenance_due": maintenance_due,
    "voucher_expiring": voucher_expiring,
    "claim_step": claim_steps,
    "weather_alert": weather,
    "birthday": birthdays,
}


def surveys_due(day: dt.date) -> Counter[str]:
    """Surveys after yesterday's key moments: claims closed, renewals, services used,
    complaints closed (one per moment and record; consent is checked by notify)."""
    # Yesterday in the branch's time (Asia/Shanghai), not in whatever zone ``now`` carries
    # (UTC in production): a claim closed at 07:00 local time belongs to that local day.
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(), tzinfo=tz)
    end = start + dt.timedelta(days=1)
    tally: Counter[str] = Counter()

    def count(survey) -> None:
        tally[str(survey.status)] += 1

    for claim in Claim.objects.filter(closed_at__gte=start, closed_at__lt=end).select_related(
        "policy__customer"
    ):
        count(
            send_survey(
                claim.policy.customer,
                "claim_closed",
                claim=claim,
                partner=claim.repair_shop,
                staff=getattr(claim, "handler", None),
            )
        )
    for policy in Policy.objects.filter(
        effective_date=day - dt.timedelta(days=1), renews__isnull=False, cancelled_on__isnull=True
    ).select_related("customer"):
        count(
            send_survey(
                policy.customer,
                "renewal",
                policy=policy,
                partner=policy.partner,
                staff=policy.agent,
            )
        )
    for complaint in Complaint.objects.filter(closed_at__gte=start, closed_at__lt=end):
        count(
            send_survey(
                complaint.customer, "complaint_closed", complaint=complaint, staff=complaint.owner
            )
        )
    try:
        redemption = apps.get_model("alliance", "Redemption")
    except LookupError:
        return tally
    for r in redemption.objects.filter(
        status="completed", redeemed_at__gte=start, redeemed_at__lt=end
    ).select_related("voucher__customer", "merchant"):
        count(
            send_survey(
                r.voucher.customer,
                "service_used",
                partner=r.merchant,
                dedupe_key=f"survey:service_used:redemption:{r.pk}",
            )
        )
    return tally


def run(as_of: dt.date | None = None, only: list[str] | None = None) -> ReminderRun:
    """Run every rule (or ``only`` some) for ``as_of`` and record what became of each message."""
    day = as_of or clock.today()
    record = ReminderRun.objects.create(started_at=clock.now(), as_of=day)
    counts: dict[str, dict[str, int]] = {}
    for name, rule in RULES.items():
        if only and name not in only:
            continue
        counts[name] = dict(_send(rule(day)))
    if not only or "survey" in only:
        counts["survey"] = dict(surveys_due(day))
    record.counts = counts
    record.finished_at = clock.now()
    record.save(update_fields=["counts", "finished_at"])
    return record


def _send(found: Iterator[Reminder]) -> Counter[str]:
    """Through notify's bulk path, in chunks of one kind and purpose: the same rules (consent,
    unsubscribe, caps, quiet hours, dedupe, the log) with a few queries per thousand messages
    instead of a dozen per message."""
    tally: Counter[str] = Counter()
    pending: dict[tuple[str, str], list[Outgoing]] = {}
    for r in found:
        batch = pending.setdefault((r.kind, r.purpose), [])
        batch.append(Outgoing(r.customer_id, r.context, r.dedupe_key))
        if len(batch) >= CHUNK:
            tally.update(send_many(batch, r.kind, purpose=r.purpose))
            batch.clear()
    for (kind, purpose), batch in pending.items():
        if batch:
            tally.update(send_many(batch, kind, purpose=purpose))
    return tally


# ------------------------------------------------------------------ weather file


@dataclass
class UploadResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)


LEVELS = {
    "蓝色": "蓝色",
    "黄色": "黄色",
    "橙色": "橙色",
    "红色": "红色",
    "blue": "蓝色",
    "yellow": "黄色",
    "orange": "橙色",
    "red": "红色",
}  # the four colours of China's meteorological warnings (气象灾害预警信号)
MAX_ROWS = 5000
MAX_DAYS_AHEAD = 7


def upload_weather(text: str, *, acting_user: Any) -> UploadResult:
    """Read a CSV with columns city,date,level,warning[,warning_en]; all rows or none.

    Every bad row is reported with its line number (the header is line 1): a date that is not
    YYYY-MM-DD, in the past or more than 7 days ahead; a level that is not one of the four
    warning colours; a missing city or warning; a warning over 128 characters; a city where
    the branch has no customer (a typo would otherwise alert nobody, silently); a row twice.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"city", "date", "level", "warning"} - set(reader.fieldnames or [])
    if missing:
        raise DomainError(
            "missing_columns",
            f"缺少列 {sorted(missing)} / missing columns {sorted(missing)}",
            "file",
        )
    result = UploadResult()
    rows = []
    seen: dict[tuple[str, dt.date, str], int] = {}
    today = clock.today()

    def bad(n: int, zh: str, en: str) -> None:
        result.errors.append(f"第{n}行：{zh} / row {n}: {en}")

    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            bad(n, f"文件超过{MAX_ROWS}行", f"more than {MAX_ROWS} rows")
            break
        city, level, warning = ((row.get(k) or "").strip() for k in ("city", "level", "warning"))
        warning_en = (row.get("warning_en") or "").strip()
        try:
            day = dt.date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            bad(n, "日期须为YYYY-MM-DD", "date must be YYYY-MM-DD")
            continue
        if not city or not warning:
            bad(n, "城市和预警必填", "city and warning are required")
            continue
        if day < today or day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
            bad(
                n,
                f"日期须在今天至{MAX_DAYS_AHEAD}天内",
                f"date must be from today to {MAX_DAYS_AHEAD} days ahead",
            )
            continue
        if level.lower() not in LEVELS:
            bad(n, "级别须为蓝色/黄色/橙色/红色", "level must be blue, yellow, orange or red")
            continue
        if len(warning) > 128 or len(warning_en) > 128:
            bad(n, "预警内容超过128字", "warning longer than 128 characters")
            continue
        key = (city, day, warning)
        if key in seen:
            bad(n, f"与第{seen[key]}行重复", f"same as row {seen[key]}")
            continue
        seen[key] = n
        rows.append((n, city, day, LEVELS[level.lower()], warning, warning_en))
    known = set(
        Customer.objects.filter(city__in={r[1] for r in rows})
        .values_list("city", flat=True)
        .distinct()
    )
    for n, city, *_ in rows:
        if city not in known:
            bad(n, f"无客户在城市“{city}”", f"no customer lives in the city '{city}'")
    result.errors.sort(key=lambda e: int(e.split("行")[0][1:]))
    if result.errors:
        return result
    with transaction.atomic():
        for _n, city, day, level, warning, warning_en in rows:
            _, created = WeatherAlert.objects.update_or_create(
                city=city,
                day=day,
                warning=warning,
                defaults={
                    "level": level,
                    "warning_en": warning_en,
                    "uploaded_at": clock.now(),
                    "uploaded_by": acting_user,
                },
            )
            result.created += int(created)
        audit.record(
            acting_user,
            AuditLog.Action.IMPORT,
            object_type="ecosystem.weatheralert",
            summary=f"weather alerts: {len(rows)} rows",
        )
        if any(day <= today + dt.timedelta(days=1) for _n, _c, day, *_ in rows):
            # Today's and tomorrow's alerts are sent by the worker now (robust: a queue that
            # is down leaves them to the nightly run, which sends them all the same).
            from .tasks import send_weather_task

            transaction.on_commit(lambda: send_weather_task.enqueue(today.isoformat()), robust=True)
    return result
