"""Statements tie out on any book (hypothesis): every policy written earns exactly one line at
a rate within its cap; a statement's total is the sum of its lines, which is Σ premium × rate
(each rounded to the cent) less Σ refund × rate of the cancellations; a clawback never takes
back more than was paid; a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from carecircle.core.money import to_money
from carecircle.core.roles import Role
from carecircle.ecosystem.commissions import services
from carecircle.ecosystem.models import CommissionLine, CommissionStatement
from tests.factories import (
    CommissionAdjustmentFactory,
    CommissionScheduleFactory,
    LicensedPartnerFactory,
    PolicyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
FEB, MAR = dt.date(2026, 2, 1), dt.date(2026, 3, 1)

policy_st = st.fixed_dictionaries(
    {
        "payee": st.integers(0, 2),  # two partners and one agent
        "kind": st.sampled_from(["commercial", "compulsory"]),
        "cents": st.integers(1, 3_000_000),
        "day": st.integers(1, 28),
        "renewal": st.booleans(),
        "cancel": st.one_of(st.none(), st.integers(0, 60)),  # days after the start
    }
)
rate_st = st.decimals(Decimal("0.0001"), Decimal("0.04"), places=4)  # a zero rate writes no line


@settings(
    max_examples=10,
    deadline=None,
    # Each example writes a book: shrinking one takes minutes, so a failure is shown as found.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(book=st.lists(policy_st, min_size=1, max_size=10), compulsory=rate_st, bump=rate_st)
def test_statements_tie_out_to_the_policies_on_any_book(book, compulsory, bump):
    with transaction.atomic():
        partners = [LicensedPartnerFactory(), LicensedPartnerFactory()]
        agent = UserFactory(role=Role.SALES_AGENT)
        payees = [{"partner": partners[0]}, {"partner": partners[1]}, {"agent": agent}]
        for who in payees:
            payee = {"partner": who.get("partner"), "agent": who.get("agent")}
            CommissionScheduleFactory(**payee, line="compulsory", base_rate=compulsory)
            commercial = CommissionScheduleFactory(
                **payee, line="commercial", base_rate=Decimal("0.11")
            )
            CommissionAdjustmentFactory(schedule=commercial, segment="renewal", delta=bump)
        policies = []
        for p in book:
            who = payees[p["payee"]]
            start = dt.date(2026, 2, p["day"])
            link = {}
            if p["renewal"]:
                last = PolicyFactory(effective_date=dt.date(2025, 2, p["day"]), expiry_date=start)
                link = {"renews": last, "vehicle": last.vehicle}
            policies.append(
                PolicyFactory(
                    kind=p["kind"],
                    premium=Decimal(p["cents"]) / 100,
                    effective_date=start,
                    expiry_date=dt.date(2027, 2, p["day"]),
                    partner=who.get("partner"),
                    agent=who.get("agent"),
                    cancelled_on=(
                        start + dt.timedelta(days=p["cancel"]) if p["cancel"] is not None else None
                    ),
                    **link,
                )
            )
        feb = services.calculate_month(FEB)
        mar = services.calculate_month(MAR)
        assert feb.refused == [] and mar.refused == []

        earned = {line.policy_id: line for line in CommissionLine.objects.filter(kind="commission")}
        assert set(earned) == {p.pk for p in policies}  # each policy written earns exactly once
        for p in policies:
            line = earned[p.pk]
            cap = Decimal("0.04") if p.kind == "compulsory" else Decimal("0.15")
            assert line.rate <= cap
            assert line.amount == to_money(p.premium * line.rate)
        for back in CommissionLine.objects.filter(kind="clawback"):
            paid = earned[back.policy_id]
            assert back.amount == -to_money(back.premium * paid.rate)
            assert -back.amount <= paid.amount
        for statement in CommissionStatement.objects.all():
            lines = statement.lines.all()
            assert statement.total == sum((x.amount for x in lines), Decimal("0.00"))
            assert statement.lines_count == len(lines)
        total = sum(CommissionStatement.objects.values_list("total", flat=True), Decimal("0.00"))
        expected = sum(
            (
                to_money(x.premium * x.rate) * (1 if x.kind == "commission" else -1)
                for x in CommissionLine.objects.all()
            ),
            Decimal("0.00"),
        )
        assert total == expected

        before = list(CommissionStatement.objects.values_list("pk", "total", "updated_at"))
        again = services.calculate_month(FEB), services.calculate_month(MAR)
        assert [r.written + r.clawbacks for r in again] == [0, 0]
        assert list(CommissionStatement.objects.values_list("pk", "total", "updated_at")) == before
        transaction.set_rollback(True)
