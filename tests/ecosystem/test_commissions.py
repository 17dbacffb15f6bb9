"""Commissions within 报行合一 (ADR 0017): the caps refused at the agreement, the schedule and
the calculation; nothing paid to an unlicensed partner; rates differentiated by segment and
loss band with the reason in words; statements that tie to the policies written; clawback on
cancellation; draft → approved → paid; a rerun changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import Client, override_settings

from carecircle.core.errors import DomainError
from carecircle.core.money import to_money
from carecircle.core.roles import Role
from carecircle.ecosystem import scorecards
from carecircle.ecosystem import services as agreements
from carecircle.ecosystem.commissions import rules, services
from carecircle.ecosystem.models import CommissionLine, CommissionStatement
from tests.factories import (
    AgreementFactory,
    CommissionScheduleFactory,
    CustomerFactory,
    EndorsementFactory,
    LicensedPartnerFactory,
    OrgUnitFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
)
from tests.factories import PlainClaimFactory as ClaimFactory

pytestmark = pytest.mark.django_db
FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def manager():
    return UserFactory(username="mgr", role=Role.MANAGER)


def _policy(partner=None, *, kind="commercial", premium="3000.00", day=10, **more):
    return PolicyFactory(
        partner=partner,
        kind=kind,
        premium=Decimal(premium),
        effective_date=dt.date(2026, 2, day),
        expiry_date=dt.date(2027, 2, day),
        **more,
    )


# ------------------------------------------------------------------ the 4 % cap


def test_a_5_percent_compulsory_commission_is_refused_at_the_schedule(manager):
    shop = LicensedPartnerFactory()
    with pytest.raises(DomainError) as refused:
        services.create_schedule(
            shop, acting_user=manager, line="compulsory", base_rate="0.05", starts_on=FEB
        )
    assert refused.value.code == "commission_over_cap"
    assert "交强险手续费不得超过保费的4%" in refused.value.message
    assert "5%" in refused.value.message


def test_a_compulsory_schedule_whose_adjustments_reach_above_4_percent_is_refused(manager):
    shop = LicensedPartnerFactory()
    with pytest.raises(DomainError) as refused:
        services.create_schedule(
            shop,
            acting_user=manager,
            line="compulsory",
            base_rate="0.035",
            starts_on=FEB,
            adjustments=[
                {"segment": "renewal", "delta": "0.01", "reason": "续保 / renewal"},
            ],
        )
    assert (refused.value.code, refused.value.field) == ("commission_over_cap", "adjustments")


def test_a_5_percent_compulsory_commission_is_refused_at_the_agreement(manager):
    shop = LicensedPartnerFactory()
    with pytest.raises(DomainError) as refused:
        agreements.create_agreement(
            shop,
            acting_user=manager,
            agreement_no="AG-5PCT",
            starts_on=FEB,
            ends_on=dt.date(2026, 12, 31),
            compulsory_commission_rate=Decimal("0.05"),
        )
    assert (refused.value.code, refused.value.field) == (
        "commission_over_cap",
        "compulsory_commission_rate",
    )


def test_a_5_percent_compulsory_commission_is_refused_at_calculation(manager):
    """A cap lowered after the terms were signed (here: an agreement written around the
    service) is refused again when the month is calculated: no line, the policy listed."""
    shop = LicensedPartnerFactory()
    AgreementFactory(partner=shop, compulsory_commission_rate=Decimal("0.05"))
    policy = _policy(shop, kind="compulsory", premium="950.00")
    with pytest.raises(DomainError) as refused:
        rules.rate_for(
            "compulsory", Decimal("0.05"), (), rules.Facts("new"), rules.cap_for("compulsory", {})
        )
    assert refused.value.code == "commission_over_cap"
    report = services.calculate_month(FEB, acting_user=manager)
    assert report.written == 0
    assert [(r["policy_no"], r["code"]) for r in report.refused] == [
        (policy.policy_no, "commission_over_cap")
    ]
    assert not CommissionLine.objects.exists()


def test_commercial_commission_within_the_filed_rate_a_setting_per_product(manager):
    shop = LicensedPartnerFactory()
    with pytest.raises(DomainError):
        services.create_schedule(
            shop, acting_user=manager, line="commercial", base_rate="0.16", starts_on=FEB
        )
    with override_settings(
        CARECIRCLE={"ECOSYSTEM": {"COMMISSION_FILED_RATES": {"commercial": "0.20"}}}
    ):
        schedule = services.create_schedule(
            shop, acting_user=manager, line="commercial", base_rate="0.16", starts_on=FEB
        )
    assert schedule.base_rate == Decimal("0.16")


# ------------------------------------------------------------------ licences


def test_a_referral_fee_to_an_unlicensed_partner_is_refused(manager):
    garage = PartnerFactory(kind="repair_shop")  # unlicensed by default
    with pytest.raises(DomainError) as refused:
        agreements.create_agreement(
            garage,
            acting_user=manager,
            agreement_no="AG-FEE",
            starts_on=FEB,
            ends_on=dt.date(2026, 12, 31),
            referral_fee=Decimal("50.00"),
        )
    assert (refused.value.code, refused.value.field) == ("payee_unlicensed", "referral_fee")
    assert "不得支付推荐费" in refused.value.message


def test_a_commission_to_an_unlicensed_partner_is_refused_at_schedule_and_calculation(manager):
    garage = PartnerFactory(kind="repair_shop")
    with pytest.raises(DomainError) as refused:
        services.create_schedule(
            garage, acting_user=manager, line="commercial", base_rate="0.05", starts_on=FEB
        )
    assert refused.value.code == "payee_unlicensed"
    # A licence withdrawn after the terms were signed: the calculation refuses.
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.08"))
    policy = _policy(shop)
    shop.licence_type = "unlicensed"
    shop.save()
    report = services.calculate_month(FEB)
    assert [(r["policy_no"], r["code"]) for r in report.refused] == [
        (policy.policy_no, "payee_unlicensed")
    ]


def test_an_agent_schedule_is_for_sales_agents_only(manager):
    seat = UserFactory(role=Role.SEAT)
    with pytest.raises(DomainError) as refused:
        services.create_schedule(
            seat, acting_user=manager, line="commercial", base_rate="0.05", starts_on=FEB
        )
    assert refused.value.code == "not_an_agent"


def test_only_who_manages_partners_may_set_a_schedule():
    seat = UserFactory(role=Role.SEAT)
    with pytest.raises(PermissionDenied):
        services.create_schedule(
            LicensedPartnerFactory(),
            acting_user=seat,
            line="commercial",
            base_rate="0.05",
            starts_on=FEB,
        )


# ------------------------------------------------------------------ differentiated rates


def test_a_low_loss_renewal_earns_more_and_a_high_loss_book_less_with_the_reason(manager):
    shop = LicensedPartnerFactory()
    services.create_schedule(
        shop,
        acting_user=manager,
        line="commercial",
        base_rate="0.10",
        starts_on=dt.date(2025, 1, 1),
        adjustments=[
            {
                "segment": "renewal",
                "basis": "customer",
                "band": "low",
                "delta": "0.02",
                "reason": "低赔付客户续保 / renewal of a low-loss customer",
            },
            {
                "basis": "customer",
                "band": "high",
                "delta": "-0.03",
                "reason": "高赔付业务 / high-loss business",
            },
        ],
    )
    careful = CustomerFactory()
    costly = CustomerFactory(first_insured_on=dt.date(2019, 5, 1))  # insured elsewhere before
    last_year = PolicyFactory(
        partner=shop,
        vehicle__owner=careful,
        premium=Decimal("3000"),
        effective_date=dt.date(2025, 2, 10),
        expiry_date=dt.date(2026, 2, 10),
    )
    renewal = _policy(shop, vehicle=last_year.vehicle, renews=last_year, premium="3000.00")
    before = PolicyFactory(
        partner=shop,
        vehicle__owner=costly,
        premium=Decimal("3000"),
        effective_date=dt.date(2025, 3, 1),
        expiry_date=dt.date(2026, 3, 1),
    )
    ClaimFactory(policy=before, amount_paid=Decimal("2700"), status="paid")  # 90 %
    costly_new = _policy(shop, vehicle__owner=costly, premium="4000.00", day=12)

    services.calculate_month(FEB)
    by_policy = {line.policy_id: line for line in CommissionLine.objects.all()}
    good = by_policy[renewal.pk]
    assert (good.segment, good.rate, good.amount) == (
        "renewal",
        Decimal("0.1200"),
        Decimal("360.00"),
    )
    assert "低赔付客户续保" in good.reason and "+2%" in good.reason
    bad = by_policy[costly_new.pk]
    assert (bad.segment, bad.rate, bad.amount) == (
        "transfer_in",
        Decimal("0.0700"),
        Decimal("280.00"),
    )
    assert "高赔付业务" in bad.reason and "−3%" in bad.reason


# ------------------------------------------------------------------ statements


def test_a_statement_ties_to_the_policies_written(manager):
    shop = LicensedPartnerFactory()
    AgreementFactory(
        partner=shop,
        commission_rate=Decimal("0.105"),
        compulsory_commission_rate=Decimal("0.04"),
    )
    written = [
        _policy(shop, premium="3333.33", day=3),
        _policy(shop, premium="2760.55", day=5),
        _policy(shop, kind="compulsory", premium="855.00", day=7),
        _policy(shop, premium="1.05", day=9),
    ]  # 350.00 + 289.86 + 34.20 + 0.11: each line rounded half up to the cent
    _policy(PartnerFactory(), day=11)  # another partner's: not on this statement
    PolicyFactory(partner=shop, effective_date=dt.date(2026, 3, 2))  # March: not February
    services.calculate_month(FEB)
    statement = CommissionStatement.objects.get(partner=shop, month=FEB)
    lines = list(statement.lines.all())
    assert sorted(line.policy_id for line in lines) == sorted(p.pk for p in written)
    expected = sum(
        (
            to_money(p.premium * (Decimal("0.04") if p.kind == "compulsory" else Decimal("0.105")))
            for p in written
        ),
        Decimal(0),
    )
    assert statement.total == sum(line.amount for line in lines) == expected == Decimal("674.17")
    assert statement.premium == sum(p.premium for p in written)
    assert statement.lines_count == 4


def test_running_a_month_twice_changes_nothing(manager):
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    _policy(shop)
    first = services.calculate_month(FEB)
    stamp = CommissionStatement.objects.get().updated_at
    again = services.calculate_month(FEB)
    assert (first.written, again.written, again.clawbacks) == (1, 0, 0)
    assert CommissionLine.objects.count() == 1
    assert CommissionStatement.objects.get().updated_at == stamp


def test_a_cancellation_claws_back_in_its_month_in_proportion_to_the_refund(manager):
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    policy = _policy(shop, premium="3650.00", day=1)
    services.calculate_month(FEB)
    policy.cancelled_on = dt.date(2026, 3, 15)
    policy.save()
    EndorsementFactory(
        policy=policy,
        kind="cancellation",
        effective_on=policy.cancelled_on,
        refund=Decimal("3200.00"),
    )
    report = services.calculate_month(MAR)
    assert report.clawbacks == 1
    back = CommissionLine.objects.get(kind="clawback")
    assert (back.statement.month, back.premium, back.rate, back.amount) == (
        MAR,
        Decimal("3200.00"),
        Decimal("0.1000"),
        Decimal("-320.00"),
    )
    assert CommissionStatement.objects.get(month=FEB).total == Decimal("365.00")
    assert CommissionStatement.objects.get(month=MAR).total == Decimal("-320.00")
    assert services.calculate_month(MAR).clawbacks == 0  # once


def test_without_an_endorsement_the_refund_is_the_unearned_premium_by_the_day(manager):
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    policy = PolicyFactory(
        partner=shop,
        premium=Decimal("3650.00"),
        effective_date=dt.date(2026, 2, 1),
        expiry_date=dt.date(2027, 2, 1),
        cancelled_on=dt.date(2026, 2, 1),  # cancelled before it began: all refunded
    )
    services.calculate_month(FEB)
    lines = {line.kind: line.amount for line in CommissionLine.objects.filter(policy=policy)}
    assert lines == {"commission": Decimal("365.00"), "clawback": Decimal("-365.00")}
    assert CommissionStatement.objects.get().total == Decimal("0.00")


def test_a_statement_goes_draft_approved_paid_and_late_policies_go_on_the_next(manager):
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    _policy(shop, day=3)
    services.calculate_month(FEB)
    statement = CommissionStatement.objects.get()
    with pytest.raises(DomainError):
        services.mark_paid(statement, acting_user=manager)
    statement = services.approve(statement, acting_user=manager)
    late = _policy(shop, day=20)  # keyed in after February was approved
    services.calculate_month(FEB)
    line = CommissionLine.objects.get(policy=late)
    assert line.statement.month == MAR and "已审批" in line.reason
    assert CommissionStatement.objects.get(pk=statement.pk).total == Decimal("300.00")
    paid = services.mark_paid(statement, acting_user=manager, payment_ref="BANK-1")
    assert (paid.status, paid.payment_ref) == ("paid", "BANK-1")


def test_an_agent_earns_on_the_policies_they_sold(manager):
    agent = UserFactory(role=Role.SALES_AGENT)
    services.create_schedule(
        agent, acting_user=manager, line="commercial", base_rate="0.06", starts_on=FEB
    )
    _policy(None, agent=agent, premium="2000.00")
    _policy(None, agent=UserFactory(role=Role.SEAT))  # a seat earns no commission
    report = services.calculate_month(FEB)
    assert (report.written, report.no_terms) == (1, 1)
    assert CommissionStatement.objects.get(agent=agent).total == Decimal("120.00")


def test_the_scorecard_shows_commission_due_and_paid_from_the_statement(manager):

    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    _policy(shop, premium="3000.00")
    services.calculate_month(FEB)

    def gets():
        return {line.key: line.value for line in scorecards.scorecard(shop, FEB).gets}

    assert (gets()["commission"], gets()["commission_paid"]) == (Decimal("300.00"), Decimal("0.00"))
    statement = services.approve(CommissionStatement.objects.get(), acting_user=manager)
    services.mark_paid(statement, acting_user=manager)
    assert (gets()["commission"], gets()["commission_paid"]) == (
        Decimal("300.00"),
        Decimal("300.00"),
    )


def test_the_admin_form_refuses_what_the_service_refuses():

    garage = PartnerFactory(kind="repair_shop")
    agreement = AgreementFactory.build(partner=garage, referral_fee=Decimal("50.00"))
    with pytest.raises(ValidationError) as refused:
        agreement.clean()
    assert "referral_fee" in refused.value.message_dict
    shop = LicensedPartnerFactory()
    agreement = AgreementFactory.build(partner=shop, compulsory_commission_rate=Decimal("0.05"))
    with pytest.raises(ValidationError) as refused:
        agreement.clean()
    assert "compulsory_commission_rate" in refused.value.message_dict
    AgreementFactory.build(partner=shop, compulsory_commission_rate=Decimal("0.04")).clean()


# ------------------------------------------------------------------ late rows, who runs it (#16 review)


def test_a_late_cancellation_dated_into_a_month_already_run_is_clawed_back_by_the_next_run(
    manager,
):
    """Rule: every policy cancelled up to the end of the month run, with a commission and no
    clawback yet, is clawed back — also one dated into a month already run; once."""
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    policy = _policy(shop, premium="3650.00", day=1)
    services.calculate_month(FEB)
    services.calculate_month(MAR)
    policy.cancelled_on = dt.date(2026, 3, 15)  # keyed in on 2 April, dated into March
    policy.save()
    EndorsementFactory(
        policy=policy, kind="cancellation", effective_on=policy.cancelled_on,
        refund=Decimal("3200.00"),
    )  # fmt: skip
    apr = dt.date(2026, 4, 1)
    assert services.calculate_month(apr).clawbacks == 1
    back = CommissionLine.objects.get(kind="clawback")
    assert (back.statement.month, back.amount) == (apr, Decimal("-320.00"))
    assert "迟到补计" in back.reason and "2026-03" in back.reason
    assert services.calculate_month(apr).clawbacks == 0  # once
    assert services.calculate_month(dt.date(2026, 5, 1)).clawbacks == 0


def test_a_policy_keyed_in_after_its_month_was_run_earns_on_the_next_run_saying_it_is_late(
    manager,
):
    """Rule: a policy effective in a month already run (and never before the first month run)
    earns on the next run, once, its reason saying it is late."""
    shop = LicensedPartnerFactory()
    CommissionScheduleFactory(partner=shop, base_rate=Decimal("0.1"))
    _policy(shop, day=3)
    services.calculate_month(FEB)
    before_the_book = PolicyFactory(
        partner=shop, premium=Decimal("1000"), effective_date=dt.date(2026, 1, 20),
        expiry_date=dt.date(2027, 1, 20),
    )  # fmt: skip
    late = _policy(shop, day=25)  # keyed in during March, effective in February
    report = services.calculate_month(MAR)
    assert report.written == 1
    line = CommissionLine.objects.get(policy=late)
    assert line.statement.month == MAR and "迟到补计" in line.reason
    assert line.amount == Decimal("300.00")
    assert not CommissionLine.objects.filter(policy=before_the_book).exists()
    assert services.calculate_month(MAR).written == 0  # idempotent


def test_only_head_office_runs_the_companys_monthly_calculation():
    """Rule: the run writes every payee's statement; a unit's partner manager may not run it."""
    branch = UserFactory(role=Role.MANAGER, unit=OrgUnitFactory(code="33010000"))
    with pytest.raises(PermissionDenied):
        services.calculate_month(FEB, acting_user=branch)
    head = UserFactory(role=Role.MANAGER)
    assert services.calculate_month(FEB, acting_user=head).written == 0


def test_a_run_that_collides_with_another_is_refused_with_a_message_not_a_500(manager, monkeypatch):
    """Rule: two runs at once never give a 500: a unique-constraint collision is a 409
    ``run_conflict`` naming the month, and the page shows it."""

    def collide(month, acting_user):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "_calculate", collide)
    with pytest.raises(DomainError) as refused:
        services.calculate_month(FEB, acting_user=manager)
    assert (refused.value.code, refused.value.status) == ("run_conflict", 409)
    client = Client()
    client.force_login(manager)
    response = client.post("/ecosystem/commissions/calculate/", {"month": "2026-02"})
    assert response.status_code == 302 and "error=" in response["Location"]
