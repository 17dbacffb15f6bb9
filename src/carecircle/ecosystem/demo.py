"""Demo data for the ecosystem: agreements for the busiest partners (legal commission rates:
交强险 at most 4 %, commercial within the filed rate), commission schedules differentiated by
segment and loss band, three months of commission statements (paid, approved, draft) and the
current month's, complaints at every stage
(some past their deadline and escalated), surveys after closed claims and renewals with
answers, referrals, reminders through notify, a weather alert, and the monthly aggregates.

Idempotent (markers: agreement numbers ``DEMO-…``, complaints with ``source="demo"``, dedupe
keys on surveys and messages) and a few seconds on the 20,000-customer demo book.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum

from carecircle.claims.models import Claim
from carecircle.core import clock, dates
from carecircle.core.models import OrgUnit, UnitLevel, User
from carecircle.core.roles import Role
from carecircle.parties.choices import PartnerKind
from carecircle.parties.models import Customer, LicenceType, Partner
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Complaint, Referral, Survey
from carecircle.touchpoints.services import complaints, referrals, surveys

from . import cockpit, reminders, scorecards
from .commissions import services as commissions
from .models import Agreement, BookMonth, CommissionStatement, ReminderRun, WeatherAlert

SH = dt.timezone(dt.timedelta(hours=8))
CATEGORIES = [
    ("speed", "claims", "理赔到账太慢，已经两周 / payment is two weeks late", 5),
    ("claims_amount", "claims", "定损金额过低 / the assessed amount is too low", 4),
    ("designated_shop", "claims", "指定修理厂修不好 / the designated shop did poor work", 3),
    ("attitude", "phone", "客服态度差 / rude service agent", 3),
    ("telesales_harassment", "phone", "一天接到三个续保电话 / three renewal calls a day", 3),
    ("auto_renewal", "phone", "未经同意自动续保扣款 / renewed and charged without consent", 2),
    ("liability", "claims", "责任认定有异议 / disputes the liability split", 2),
    ("merchant_service", "service", "洗车券门店拒收 / car-wash voucher refused", 2),
    ("policy_terms", "sales", "销售时未说明免赔 / deductible not explained at sale", 1),
]


def seed(stdout: Any) -> None:
    rng = random.Random(7)
    today = clock.today()
    service = User.objects.filter(role=Role.SERVICE_MANAGER).order_by("pk").first()
    manager = User.objects.filter(role=Role.MANAGER).order_by("pk").first()
    if service is None or manager is None or not Customer.objects.exists():
        stdout.write("  ecosystem: no demo book or logins, skipped")
        return
    # One transaction: SQLite pays per commit, and the demo is all or nothing. Messages are
    # delivered when it commits (notify dispatches on commit).
    with transaction.atomic():
        made = {
            "repair_referrals": _repair_referrals(),
            "licences": _licences(),
            "agreements": _agreements(manager, today),
            "commission_statements": _commissions(manager, today),
            "complaints": _complaints(rng, service, today),
            "surveys": _surveys(rng, today),
            "referrals": _referrals(rng, manager, today),
            "weather_alerts": _weather(manager, today),
        }
        if not ReminderRun.objects.filter(as_of=today).exists():  # once a day is enough
            run = reminders.run(
                today, [r for r in [*reminders.RULES, "survey"] if r != "weather_alert"]
            )
            made["reminders"] = sum(sum(c.values()) for c in run.counts.values())
            made["weather_messages"] = _weather_messages(today)
    current = dates.next_month(dates.last_complete_month())
    if not BookMonth.objects.filter(
        month=current, dimension="total", computed_at__date=today
    ).exists():
        months = dates.months_back(current, 13)
        scorecards.compute_months(months)
        for month in months:
            cockpit.compute_book_month(month)
        made["aggregated_months"] = 13
    stdout.write("  ecosystem: " + ", ".join(f"{k} {v}" for k, v in made.items()))


def _repair_referrals() -> int:
    """送修 for the demo book (whose claims name no repair shop): vehicle-damage claims go to the
    4S or repair shop that sold the policy, and two in five of the others to a repair shop of
    the network. Only claims without a shop are touched, so the claims app's own referrals
    stand."""
    shops = (PartnerKind.FOUR_S_SHOP, PartnerKind.REPAIR_SHOP)
    open_claims = Claim.objects.filter(repair_shop__isnull=True, coverage="vehicle_damage")
    sold_by_shop = open_claims.filter(policy__partner__kind__in=shops)
    made = sold_by_shop.update(
        repair_shop=Subquery(
            Policy.objects.filter(pk=OuterRef("policy_id")).values("partner_id")[:1]
        )
    )
    network = list(Partner.objects.filter(kind=PartnerKind.REPAIR_SHOP, active=True).order_by("pk"))
    if network:
        batch = []
        for claim in open_claims.filter(repair_shop__isnull=True).only("pk"):
            if claim.pk % 5 < 2:
                claim.repair_shop = network[claim.pk % len(network)]
                batch.append(claim)
        Claim.objects.bulk_update(batch, ["repair_shop"], batch_size=2000)
        made += len(batch)
    return made


# Partner kind → (commercial base rate, 交强险 rate) of the demo agreements.
RATES = {
    PartnerKind.INTERMEDIARY: (Decimal("0.120"), Decimal("0.040")),
    PartnerKind.FOUR_S_SHOP: (Decimal("0.080"), Decimal("0.030")),
    PartnerKind.USED_CAR_DEALER: (Decimal("0.080"), Decimal("0.030")),
    PartnerKind.REPAIR_SHOP: (None, None),
}
# The licence each kind of generated partner holds in the demo (as the migration sets for the
# partners already on the books).
LICENCES = {
    PartnerKind.INTERMEDIARY: LicenceType.PROFESSIONAL_AGENCY,
    PartnerKind.FOUR_S_SHOP: LicenceType.SIDELINE_AGENCY,
    PartnerKind.USED_CAR_DEALER: LicenceType.SIDELINE_AGENCY,
    PartnerKind.LIFE_INSURER: LicenceType.SIDELINE_AGENCY,
}


def _licences() -> int:
    """The generated partners' licences, once (before the demo's agreements exist)."""
    if Agreement.objects.filter(agreement_no__startswith="DEMO-").exists():
        return 0
    return sum(
        Partner.objects.filter(kind=kind, licence_type=LicenceType.UNLICENSED).update(
            licence_type=licence
        )
        for kind, licence in LICENCES.items()
    )


# The differentiated rules of the demo schedules (seed 001): a low-loss customer's renewal
# earns more, high-loss business less.
COMMERCIAL_RULES = [
    {
        "segment": "renewal",
        "basis": "customer",
        "band": "low",
        "delta": "0.02",
        "reason": "低赔付客户续保 / renewal of a low-loss customer",
    },
    {"segment": "transfer_in", "delta": "0.01", "reason": "转保新客户 / a customer won over"},
    {
        "basis": "customer",
        "band": "high",
        "delta": "-0.03",
        "reason": "高赔付客户 / high-loss customer",
    },
    {
        "basis": "payee",
        "band": "high",
        "delta": "-0.02",
        "reason": "渠道赔付率高 / the channel's book runs at a high loss ratio",
    },
]
COMPULSORY_RULES = [
    {
        "basis": "customer",
        "band": "high",
        "delta": "-0.01",
        "reason": "高赔付客户 / high-loss customer",
    }
]


def _commissions(manager, today: dt.date) -> int:
    """Schedules for the busiest licensed partners, the demo partner and the demo agent;
    statements for the last three complete months (paid, approved, draft) and this month."""
    if CommissionStatement.objects.exists():
        return 0
    demo_partner = (
        User.objects.filter(username="partner").values_list("partner_id", flat=True).first()
    )
    last = dates.last_complete_month()
    since = dt.date(today.year - 1, 1, 1)
    kinds = (PartnerKind.INTERMEDIARY, PartnerKind.FOUR_S_SHOP, PartnerKind.USED_CAR_DEALER)
    busiest = (
        Policy.objects.filter(
            effective_date__gte=dates.add_months(last, -3),
            partner__kind__in=kinds,
            partner__active=True,
        )
        .exclude(partner__licence_type=LicenceType.UNLICENSED)
        .values("partner")
        .annotate(premium=Sum("premium"))
        .order_by("-premium", "partner")[:8]
    )
    ids = [row["partner"] for row in busiest]
    if demo_partner and demo_partner not in ids:
        ids.append(demo_partner)
    for partner in Partner.objects.filter(pk__in=ids).exclude(licence_type=LicenceType.UNLICENSED):
        commercial, compulsory = RATES.get(partner.kind) or (None, None)
        if commercial is None or compulsory is None:
            continue
        commissions.create_schedule(
            partner,
            acting_user=manager,
            line="commercial",
            base_rate=commercial - Decimal("0.02"),  # room for the +2 % a renewal may earn
            starts_on=since,
            adjustments=COMMERCIAL_RULES,
            notes="演示方案 / demo schedule",
        )
        commissions.create_schedule(
            partner,
            acting_user=manager,
            line="compulsory",
            base_rate=compulsory,
            starts_on=since,
            adjustments=COMPULSORY_RULES,
            notes="演示方案 / demo schedule",
        )
    agent = User.objects.filter(username="agent", role=Role.SALES_AGENT).first()
    if agent is not None:
        commissions.create_schedule(
            agent,
            acting_user=manager,
            line="commercial",
            base_rate="0.06",
            starts_on=since,
            adjustments=COMMERCIAL_RULES[:2],
        )
        commissions.create_schedule(
            agent, acting_user=manager, line="compulsory", base_rate="0.03", starts_on=since
        )
    months = [*dates.months_back(last, 3), dates.next_month(last)]
    for month in sorted(months):
        commissions.calculate_month(month, acting_user=manager)
    _place_statements()
    oldest, middle = sorted(months)[:2]
    for statement in CommissionStatement.objects.filter(month__in=[oldest, middle]):
        statement = commissions.approve(statement, acting_user=manager)
        if statement.month == oldest:
            commissions.mark_paid(
                statement, acting_user=manager, payment_ref=f"DEMO-PAY-{oldest:%Y%m}"
            )
    return CommissionStatement.objects.count()


def _place_statements() -> None:
    """A statement signed at head office (the demo manager's schedules) is settled by the
    中心支公司 of its partner's city, so the city's managers see it; an agent's by the
    agent's unit."""
    by_city = dict(OrgUnit.objects.filter(level=UnitLevel.CITY).values_list("city", "pk"))
    for statement in CommissionStatement.objects.select_related("partner", "agent"):
        unit = (
            by_city.get(statement.partner.city) if statement.partner_id else statement.agent.unit_id
        )
        if unit is not None and unit != statement.unit_id:
            CommissionStatement.objects.filter(pk=statement.pk).update(unit_id=unit)


def _agreements(manager, today: dt.date) -> int:
    if Agreement.objects.filter(agreement_no__startswith="DEMO-").exists():
        return 0
    month = dates.last_complete_month()
    data = scorecards.figures(month)
    kinds = (
        PartnerKind.FOUR_S_SHOP,
        PartnerKind.REPAIR_SHOP,
        PartnerKind.USED_CAR_DEALER,
        PartnerKind.INTERMEDIARY,
    )
    busiest = sorted(
        (
            (f.premium_brought + f.repair_value, pid)
            for pid, f in data.items()
            if f.premium_brought or f.repair_value
        ),
        reverse=True,
    )
    chosen = [pid for _, pid in busiest]
    demo_partner = (
        User.objects.filter(username="partner").values_list("partner_id", flat=True).first()
    )
    partners = list(Partner.objects.filter(pk__in=chosen, kind__in=kinds))[:40]
    if demo_partner and all(p.pk != demo_partner for p in partners):
        partners += list(Partner.objects.filter(pk=demo_partner))
    rows = []
    for n, p in enumerate(partners, start=1):
        f = data.get(p.pk, scorecards.Figures())
        shop = p.kind in (PartnerKind.FOUR_S_SHOP, PartnerKind.REPAIR_SHOP)
        # Targets near last month's actual figures (×0.8 … ×1.2): some partners meet them,
        # some drift — the health view has something to say.
        factor = Decimal(str(0.8 + 0.1 * (n % 5)))
        ratio = f.repair_to_premium
        low, high = (
            (
                (ratio * Decimal("0.6")).quantize(Decimal("0.01")),
                (ratio * Decimal("1.5")).quantize(Decimal("0.01")),
            )
            if ratio
            else (None, None)  # no repair work last month: the contract sets no band yet
        )
        rows.append(
            Agreement(
                agreement_no=f"DEMO-{today.year}-{p.code}",
                partner=p,
                starts_on=dt.date(today.year, 1, 1) - dt.timedelta(days=365),
                ends_on=today + dt.timedelta(days=20 if n % 13 == 0 else 400),
                premium_target_monthly=(f.premium_brought * factor).quantize(
                    Decimal("1"), ROUND_DOWN
                )
                or Decimal("10000"),
                repair_capacity_monthly=max(60, f.repair_claims * 2) if shop else None,
                labour_discount=Decimal("0.500") if shop else None,
                parts_discount=Decimal("0.950") if shop else None,
                # 报行合一: commercial within the filed 15 %, 交强险 at most 4 %; a repair
                # shop holds no intermediary licence and earns no commission.
                commission_rate=RATES[p.kind][0] if p.licensed else None,
                compulsory_commission_rate=RATES[p.kind][1] if p.licensed else None,
                repair_value_target_monthly=(
                    (f.repair_value * factor).quantize(Decimal("1"), ROUND_DOWN) if shop else None
                ),
                referral_fee=Decimal("50.00") if not shop and p.licensed else None,
                repair_to_premium_min=low if shop else None,
                repair_to_premium_max=high if shop else None,
                renewal_rate_target=Decimal("0.600"),
                satisfaction_target=Decimal("4.000"),
                complaints_per_10k_max=Decimal("30.000"),
                repair_cost_index_max=Decimal("1.300") if shop else None,
                settlement_days_max=Decimal("15.000") if shop else None,
                notes="演示协议 / demo agreement",
                created_by=manager,
            )
        )
    Agreement.objects.bulk_create(rows)
    return len(rows)


def _complaints(rng: random.Random, service, today: dt.date) -> int:
    if Complaint.objects.filter(source="demo").exists():
        return 0
    weights = [w for *_, w in CATEGORIES]
    customer_ids = list(
        Policy.objects.in_force_on(today)
        .values_list("customer_id", flat=True)
        .order_by("customer_id")[:5000]
    )
    merchants = list(Partner.objects.filter(kind=PartnerKind.MERCHANT)[:20])
    now = clock.now()
    made = 0
    for _ in range(50):
        category, touchpoint, summary, _ = rng.choices(CATEGORIES, weights)[0]
        customer = Customer.objects.get(pk=rng.choice(customer_ids))
        claim = (
            Claim.objects.filter(policy__customer=customer).order_by("-reported_at").first()
            if touchpoint == "claims"
            else None
        )
        policy = customer.policies.order_by("-effective_date").first()
        partner = (claim.repair_shop if claim and claim.repair_shop_id else None) or (
            policy.partner if policy is not None and category == "designated_shop" else None
        )
        received = now - dt.timedelta(days=rng.uniform(0.5, 85), hours=rng.randint(0, 8))
        received = received.replace(hour=rng.randint(9, 17))
        with clock.frozen_at(received):
            c = complaints.receive(
                customer,
                acting_user=service,
                channel=rng.choice(["phone", "phone", "wechat", "app", "store", "regulator"]),
                category=category,
                severity=rng.choice(["low", "normal", "normal", "high"]),
                touchpoint=touchpoint,
                summary=summary,
                claim=claim,
                policy=policy if category in ("auto_renewal", "policy_terms") else None,
                partner=partner,
                merchant=rng.choice(merchants)
                if category == "merchant_service" and merchants
                else None,
            )
        Complaint.objects.filter(pk=c.pk).update(source="demo")
        age = (now - received).days
        stage = rng.random()
        if age > 3 and stage < 0.85:
            with clock.frozen_at(received + dt.timedelta(hours=rng.randint(1, 20))):
                c = complaints.start(c, acting_user=service)
            if age > 6 and stage < 0.7:
                with clock.frozen_at(received + dt.timedelta(days=rng.uniform(1, 6))):
                    c = complaints.resolve(
                        c,
                        acting_user=service,
                        resolution="已核实并与客户沟通处理方案 / checked and agreed a remedy with the customer",
                        root_cause={"designated_shop": "修理质量", "speed": "单证不全"}.get(
                            category, ""
                        ),
                    )
                if stage < 0.55 and c.resolved_at is not None:
                    with clock.frozen_at(c.resolved_at + dt.timedelta(days=1)):
                        complaints.confirm(
                            c, acting_user=service, satisfied=stage < 0.5, note="回访 / call-back"
                        )
        made += 1
    complaints.escalate_overdue(now)
    return made


def _surveys(rng: random.Random, today: dt.date) -> int:
    if Survey.objects.filter(dedupe_key__startswith="survey:").exists():
        return 0
    since = clock.now() - dt.timedelta(days=75)
    made = 0
    claims = Claim.objects.filter(closed_at__gte=since).select_related(
        "policy__customer", "repair_shop"
    )
    for claim in claims.order_by("-closed_at")[:90]:
        sent = claim.closed_at + dt.timedelta(days=1)
        made += _one(
            rng, sent, claim.policy.customer, "claim_closed", claim=claim, partner=claim.repair_shop
        )
    renewed = Policy.objects.filter(
        renews__isnull=False, effective_date__gte=since.date(), effective_date__lte=today
    ).select_related("customer", "partner", "agent")
    for policy in renewed.order_by("-effective_date")[:60]:
        sent = dt.datetime.combine(policy.effective_date, dt.time(10), tzinfo=SH)
        made += _one(
            rng,
            sent,
            policy.customer,
            "renewal",
            policy=policy,
            partner=policy.partner,
            staff=policy.agent,
        )
    return made


def _one(rng, sent, customer, moment, **links) -> int:
    sent = sent.replace(hour=10, minute=rng.randint(0, 59))
    if sent > clock.now():
        return 0
    with clock.frozen_at(sent):
        s = surveys.send_survey(customer, moment, **links)
    if s.status == "sent" and rng.random() < 0.55:
        csat = rng.choices([5, 4, 3, 2, 1], [45, 30, 13, 7, 5])[0]
        nps = max(0, min(10, csat * 2 + rng.randint(-2, 1)))
        with clock.frozen_at(sent + dt.timedelta(hours=rng.randint(1, 60))):
            if clock.now() < s.expires_at:
                surveys.answer(s, csat=csat, nps=nps)
    return 1


def _referrals(rng: random.Random, manager, today: dt.date) -> int:
    if Referral.objects.exists():
        return 0
    referrers = list(Customer.objects.filter(marketing_consent=True).order_by("pk")[:400])
    if not referrers:
        return 0
    names = ["刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴敏", "孙杰", "马超", "朱婷"]
    policies = list(Policy.objects.filter(effective_date__gte=today - dt.timedelta(days=60))[:50])
    made = 0
    for i in range(30):
        when = clock.now() - dt.timedelta(days=rng.randint(1, 80))
        with clock.frozen_at(when):
            r = referrals.record_referral(
                rng.choice(referrers), acting_user=manager, referred_name=rng.choice(names)
            )
        outcome = rng.random()
        if outcome < 0.35 and policies:
            referrals.referral_outcome(
                r, acting_user=manager, status="won", policy=policies[i % len(policies)]
            )
        elif outcome < 0.6:
            referrals.referral_outcome(r, acting_user=manager, status="lost")
        elif outcome < 0.8:
            referrals.referral_outcome(r, acting_user=manager, status="contacted")
        made += 1
    return made


def _smallest_city() -> str | None:
    row = (
        Customer.objects.exclude(city="")
        .values("city")
        .annotate(n=Count("id"))
        .order_by("n", "city")
        .first()
    )
    return row["city"] if row and row["n"] <= 800 else None


def _weather(manager, today: dt.date) -> int:
    city = _smallest_city()
    if city is None:
        return 0
    tomorrow = today + dt.timedelta(days=1)
    result = reminders.upload_weather(
        f"city,date,level,warning,warning_en\n{city},{tomorrow},橙色,暴雨橙色预警,Orange rainstorm warning\n",
        acting_user=manager,
    )
    return result.created


def _weather_messages(today: dt.date) -> int:
    if not WeatherAlert.objects.filter(day__gte=today).exists():
        return 0
    run = reminders.run(today, ["weather_alert"])
    return sum(run.counts.get("weather_alert", {}).values())
