"""Personalised reminders through notify: each rule finds the right customers on the right
day, with consent, once (dedupe keys), and the weather file is read all-or-nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.ecosystem import reminders, rules
from carecircle.ecosystem.models import WeatherAlert
from carecircle.notify.models import Message
from carecircle.touchpoints.models import Survey
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import (
    SH,
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 2)
TEN = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


# Inside the test transaction accepted messages stay "queued" (delivery runs on commit).


def _run(*only):
    with clock.frozen_at(TEN):
        return reminders.run(DAY, list(only) or None)


def test_renewal_reminders_go_30_and_7_days_before_expiry_once():
    due30 = PolicyFactory(effective_date=dt.date(2025, 4, 1), expiry_date=dt.date(2026, 4, 1))
    due7 = PolicyFactory(effective_date=dt.date(2025, 3, 9), expiry_date=dt.date(2026, 3, 9))
    PolicyFactory(effective_date=dt.date(2025, 3, 10), expiry_date=dt.date(2026, 3, 10))  # 8 days
    run = _run("renewal_reminder")
    assert run.counts == {"renewal_reminder": {"queued": 2}}
    keys = set(Message.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"renewal:{due30.policy_no}:30", f"renewal:{due7.policy_no}:7"}
    assert _run("renewal_reminder").counts == {"renewal_reminder": {"queued": 2}}  # same rows
    assert Message.objects.count() == 2  # nothing sent twice


def test_a_renewed_policy_gets_no_renewal_reminder():
    old = PolicyFactory(effective_date=dt.date(2025, 4, 1), expiry_date=dt.date(2026, 4, 1))
    PolicyFactory(
        vehicle=old.vehicle,
        renews=old,
        effective_date=dt.date(2026, 4, 1),
        expiry_date=dt.date(2027, 4, 1),
    )
    assert _run("renewal_reminder").counts == {"renewal_reminder": {}}


def test_inspection_rules_for_private_and_operating_cars():
    reg = dt.date(2018, 3, 17)
    assert rules.inspection_due_on(reg, dt.date(2024, 3, 17), operating=False)  # year 6
    assert not rules.inspection_due_on(reg, dt.date(2025, 3, 17), operating=False)  # year 7
    assert rules.inspection_due_on(reg, dt.date(2029, 3, 17), operating=False)  # yearly after 10
    assert rules.inspection_due_on(reg, dt.date(2019, 3, 17), operating=True)
    assert rules.inspection_due_on(reg, dt.date(2023, 9, 17), operating=True)  # 6-monthly from 5
    assert rules.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)


def test_inspection_and_maintenance_reminders_find_the_vehicles_due():
    VehicleFactory(first_registration=dt.date(2020, 3, 17), vehicle_no="V-INSPECT")  # year 6
    VehicleFactory(first_registration=dt.date(2021, 3, 17), vehicle_no="V-NOT-YET")  # year 5
    VehicleFactory(first_registration=dt.date(2025, 9, 9), vehicle_no="V-SERVICE")  # 6 months
    consenting = VehicleFactory(
        first_registration=dt.date(2025, 3, 9),
        vehicle_no="V-SERVICE-OK",
        owner__marketing_consent=True,
    )
    run = _run("inspection_due", "maintenance_due")
    assert run.counts == {
        "inspection_due": {"queued": 1},
        "maintenance_due": {"no_marketing_consent": 1, "queued": 1},
    }
    inspect = Message.objects.get(kind="inspection_due")
    assert inspect.dedupe_key == "inspection:V-INSPECT:2026-03-17"
    sent = Message.objects.get(kind="maintenance_due", status="queued")
    assert sent.customer == consenting.owner


def test_claim_step_messages_follow_paid_and_closed_claims():
    ClaimFactory(claim_no="CLM-P", status="paid", paid_at=TEN - dt.timedelta(hours=3))
    ClaimFactory(claim_no="CLM-OLD", status="paid", paid_at=TEN - dt.timedelta(days=5))
    assert _run("claim_step").counts == {"claim_step": {"queued": 1}}
    message = Message.objects.get(kind="claim_step")
    assert message.dedupe_key == "claim:CLM-P:paid"
    assert "已支付赔款 / paid" in message.body


def test_weather_alerts_reach_insured_customers_in_the_city_only():
    user = UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    insured = PolicyFactory(
        vehicle__owner__city="杭州", effective_date=dt.date(2025, 6, 1)
    ).customer
    PolicyFactory(vehicle__owner__city="宁波", effective_date=dt.date(2025, 6, 1))
    CustomerFactory(city="杭州")  # no policy in force
    with clock.frozen_at(TEN):
        result = reminders.upload_weather(
            "city,date,level,warning,warning_en\n"
            "杭州,2026-03-03,橙色,暴雨橙色预警,Orange rainstorm warning\n",
            acting_user=user,
        )
    assert (result.created, result.errors) == (1, [])
    assert _run("weather_alert").counts == {"weather_alert": {"queued": 1}}
    message = Message.objects.get(kind="weather_alert")
    assert message.customer == insured
    assert "暴雨橙色预警" in message.body and "Orange rainstorm warning" in message.body


def test_an_uploaded_alert_for_tomorrow_goes_out_at_once_through_the_worker(
    django_capture_on_commit_callbacks, settings
):
    """The upload queues the weather rule (tasks run immediately here, as the worker would):
    the customer has the alert without waiting for the night, and the nightly run adds none."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    user = UserFactory(username="svc2", role=Role.SERVICE_MANAGER)
    PolicyFactory(vehicle__owner__city="杭州", effective_date=dt.date(2025, 6, 1))
    with clock.frozen_at(TEN), django_capture_on_commit_callbacks(execute=True):
        reminders.upload_weather(
            "city,date,level,warning\n杭州,2026-03-03,橙色,暴雨橙色预警\n", acting_user=user
        )
    assert Message.objects.filter(kind="weather_alert").count() == 1
    night = _run("weather_alert").counts["weather_alert"]
    assert sum(night.values()) == 1 and "queued" not in night  # told the earlier message's fate
    assert Message.objects.filter(kind="weather_alert").count() == 1


def test_surveys_follow_yesterdays_closed_claims_and_renewals_once():
    customer = CustomerFactory(marketing_consent=True)
    shop = PartnerFactory()
    claim = ClaimFactory(
        policy=PolicyFactory(vehicle__owner=customer),
        repair_shop=shop,
        status="closed",
        closed_at=TEN - dt.timedelta(days=1),
    )
    old = PolicyFactory(effective_date=dt.date(2025, 3, 1), expiry_date=dt.date(2026, 3, 1))
    PolicyFactory(
        vehicle=old.vehicle,
        renews=old,
        effective_date=dt.date(2026, 3, 1),
        expiry_date=dt.date(2027, 3, 1),
    )
    assert _run("survey").counts == {"survey": {"sent": 1, "not_sent": 1}}
    assert _run("survey").counts == {"survey": {"sent": 1, "not_sent": 1}}  # the same surveys
    survey = Survey.objects.get(claim=claim)
    assert (survey.moment, survey.partner, survey.status) == ("claim_closed", shop, "sent")
    assert Survey.objects.count() == 2


def test_a_weather_file_with_a_bad_row_imports_nothing():
    user = UserFactory(username="svc", role=Role.SERVICE_MANAGER)
    CustomerFactory(city="杭州")
    CustomerFactory(city="宁波")
    with clock.frozen_at(TEN):
        result = reminders.upload_weather(
            "city,date,level,warning\n杭州,2026-03-03,橙色,暴雨\n宁波,03/03/2026,黄色,大风\n",
            acting_user=user,
        )
    assert result.errors == ["第3行：日期须为YYYY-MM-DD / row 3: date must be YYYY-MM-DD"]
    assert WeatherAlert.objects.count() == 0


def test_birthday_greetings_go_to_top_tiers_with_consent_only():
    run_ = ValueRun.objects.create(as_of=DAY, status="succeeded", is_current=True)
    people = {
        "diamond": CustomerFactory(birth_date=dt.date(1980, 3, 2), marketing_consent=True),
        "gold": CustomerFactory(birth_date=dt.date(1985, 3, 2), marketing_consent=True),
        "platinum": CustomerFactory(birth_date=dt.date(1990, 3, 2), marketing_consent=False),
    }
    for tier, customer in people.items():
        CustomerValue.objects.create(
            run=run_,
            customer=customer,
            tenure_years=Decimal("3"),
            loss_ratio_credible=Decimal("0.5"),
            renewal_probability=Decimal("0.8"),
            value_percentile=Decimal("0.9"),
            rule_tier=tier,
            tier=tier,
        )
    assert _run("birthday").counts == {"birthday": {"queued": 1, "no_marketing_consent": 1}}
    assert Message.objects.get(kind="birthday", status="queued").customer == people["diamond"]


def test_a_survey_follows_yesterdays_service_use_once_and_names_the_merchant():
    """Key moment "service used": yesterday's redemption gets one survey about the merchant;
    the next run (a retry) sends no second one, and today's redemptions wait for tomorrow."""
    from carecircle.alliance import services as alliance
    from tests.factories.alliance import VoucherFactory, merchant_with_offer

    merchant, offer, location, till = merchant_with_offer()
    customer = CustomerFactory(marketing_consent=True)
    used = VoucherFactory(customer=customer, product=offer.product)
    later = VoucherFactory(customer=customer, product=offer.product)
    with clock.frozen_at(TEN - dt.timedelta(days=1)):
        alliance.redeem(used.code, acting_user=till, location_id=location.pk)
    with clock.frozen_at(TEN - dt.timedelta(hours=1)):
        alliance.redeem(later.code, acting_user=till, location_id=location.pk)
    assert _run("survey").counts == {"survey": {"sent": 1}}
    assert _run("survey").counts == {"survey": {"sent": 1}}  # the same survey, not a new one
    survey = Survey.objects.get()
    assert (survey.moment, survey.customer, survey.partner) == ("service_used", customer, merchant)


def test_yesterday_is_the_branchs_local_day_even_when_the_server_clock_is_utc():
    """A service used at 07:00 Beijing time yesterday (23:00 UTC the day before) is yesterday's
    key moment: the survey window is the local day, not the UTC one."""
    from carecircle.alliance import services as alliance
    from tests.factories.alliance import VoucherFactory, merchant_with_offer

    _merchant, offer, location, till = merchant_with_offer()
    voucher = VoucherFactory(
        customer=CustomerFactory(marketing_consent=True), product=offer.product
    )
    with clock.frozen_at(dt.datetime(2026, 3, 1, 7, 0, tzinfo=SH).astimezone(dt.UTC)):
        alliance.redeem(voucher.code, acting_user=till, location_id=location.pk)
    with clock.frozen_at(TEN.astimezone(dt.UTC)):
        assert reminders.run(DAY, ["survey"]).counts == {"survey": {"sent": 1}}
