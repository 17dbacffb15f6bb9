"""The reserve report (issue #16) ties out: opening + Σ movements = closing for the book and
every group; paid = confirmed − returned + reissued under the payment contract; net incurred
= paid + (closing − opening) − recoveries. A hypothesis test replays random movement
sequences and checks every as-of date against a brute-force recomputation."""

import datetime as dt
import json
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.claims.choices import ReserveKind
from carecircle.claims.models import ReserveMovement
from carecircle.claims.selectors.reserves import reserve_report
from carecircle.claims.services import reserves
from carecircle.core.roles import Role
from tests.factories import (
    ClaimFactory,
    ClaimPaymentFactory,
    OrgUnitFactory,
    SalvageFactory,
    SubrogationFactory,
    UserFactory,
)
from tests.factories.core import SH

pytestmark = pytest.mark.django_db
KINDS = list(ReserveKind.values)


def t(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def tie_out(row):
    assert row["opening"] + sum(row["movements"].values()) == row["closing"]
    for part in ("case", "expense"):
        r = row[part]
        assert r["opening"] + sum(r["movements"].values()) == r["closing"]
    p = row["payments"]
    assert row["paid"] == p["confirmed"] - p["returned"] + p["reissued"]
    assert row["net_incurred"] == row["paid"] + row["closing"] - row["opening"] - row["recoveries"]


@pytest.fixture
def book():
    """Two claims in two units, two handlers, two coverages: movements before and inside the
    period (2026-03-01 … 2026-06-30), a payment confirmed then returned then reissued, one
    returned before confirmation, a subrogation recovered and a salvage sold."""
    north, south = OrgUnitFactory(code="N1", name="北区"), OrgUnitFactory(code="S1", name="南区")
    h1 = UserFactory(username="h1", role=Role.CLAIMS_HANDLER)
    h2 = UserFactory(username="h2", role=Role.CLAIMS_HANDLER)
    a = ClaimFactory(unit=north, handler=h1, coverage="vehicle_damage", status="assessed")
    b = ClaimFactory(unit=south, handler=h2, coverage="third_party", status="assessed")
    reserves.move(a, coverage="vehicle_damage", kind="open", amount=D("5000"), at=t(2, 1))
    reserves.move(a, coverage="vehicle_damage", kind="revise", amount=D("1000"), at=t(3, 5))
    reserves.move(
        a, coverage="vehicle_damage", kind="open", amount=D("300"), reserve_type="expense",
        at=t(3, 6),
    )  # fmt: skip
    reserves.move(b, coverage="third_party", kind="open", amount=D("8000"), at=t(4, 1))
    first = ClaimPaymentFactory(
        claim=a, amount=D("2000"), status="returned", confirmed_at=t(4, 10),
        returned_at=t(4, 12), return_reason="账号错误",
    )  # fmt: skip
    reserves.on_payment_confirmed(first)
    reserves.on_payment_returned(first)
    again = ClaimPaymentFactory(
        claim=a, amount=D("2000"), status="confirmed", confirmed_at=t(4, 15), reissue_of=first
    )
    reserves.on_payment_confirmed(again)
    ClaimPaymentFactory(  # returned before confirmation: never paid
        claim=b, kind="advance", amount=D("700"), status="returned", returned_at=t(5, 1)
    )
    paid_b = ClaimPaymentFactory(
        claim=b, amount=D("8500"), status="confirmed", confirmed_at=t(6, 1)
    )
    reserves.on_payment_confirmed(paid_b)  # takes down 8,000: the rest was not reserved
    reserves.move(b, coverage="third_party", kind="reopen", amount=D("100"), at=t(7, 2))
    SubrogationFactory(
        claim=b, amount_sought=D("3000"), amount_recovered=D("1200"),
        recovered_on=dt.date(2026, 6, 20),
    )  # fmt: skip
    SalvageFactory(claim=a, proceeds=D("150"), sold_on=dt.date(2026, 5, 2), status="sold")
    SalvageFactory(claim=a, proceeds=D("99"), sold_on=dt.date(2026, 8, 2), status="sold")
    return {"a": a, "b": b}


def test_the_book_ties_out_with_its_figures_exact(book):
    r = reserve_report(None, dt.date(2026, 6, 30), dt.date(2026, 3, 1))
    assert (r["from"], r["as_of"]) == ("2026-03-01", "2026-06-30")
    assert r["opening"] == D("5000.00")
    assert r["movements"] == {
        "open": D("8300.00"), "revise": D("1000.00"), "payment": D("-12000.00"),
        "return": D("2000.00"), "release": D("0.00"), "reopen": D("0.00"),
    }  # fmt: skip
    assert r["closing"] == D("4300.00")  # a: 6,000 − 2,000 case + 300 expense; b: 0
    assert r["case"]["closing"] == D("4000.00")
    assert r["payments"] == {
        "confirmed": D("10500.00"), "returned": D("2000.00"), "reissued": D("2000.00"),
        "paid": D("10500.00"),
    }  # fmt: skip
    assert r["paid"] == D("10500.00")  # a's reissue and b's 8,500
    assert r["recoveries"] == D("1350.00")
    assert r["net_incurred"] == D("10500.00") + D("4300.00") - D("5000.00") - D("1350.00")
    tie_out(r)
    for dim in ("by_unit", "by_coverage", "by_handler"):
        for row in r[dim]:
            tie_out(row)
        for key in ("opening", "closing", "paid", "recoveries", "net_incurred"):
            assert sum(row[key] for row in r[dim]) == r[key], (dim, key)
    assert [(row["key"], row["closing"]) for row in r["by_unit"]] == [
        ("N1", D("4300.00")),
        ("S1", D("0.00")),
    ]
    assert [(row["key"], row["paid"]) for row in r["by_handler"]] == [
        ("h1", D("2000.00")),
        ("h2", D("8500.00")),
    ]


def test_the_period_defaults_to_the_year_to_the_as_of_date(book):
    r = reserve_report(None, dt.date(2026, 12, 31))
    assert (r["from"], r["opening"], r["closing"]) == ("2026-01-01", D("0.00"), D("4400.00"))
    assert r["recoveries"] == D("1449.00")
    tie_out(r)


def test_a_staff_member_sees_only_their_units_figures(book):
    north = book["a"].unit
    manager = UserFactory(username="mgr_n", role=Role.MANAGER, unit=north)
    r = reserve_report(manager, dt.date(2026, 6, 30), dt.date(2026, 3, 1))
    assert (r["opening"], r["closing"], r["paid"]) == (D("5000.00"), D("4300.00"), D("2000.00"))


def test_the_command_prints_the_books_figures_as_decimal_strings(book):
    out = StringIO()
    call_command("claims", "reserves", "--as-of", "2026-06-30", "--from", "2026-03-01", "--json",
                 stdout=out)  # fmt: skip
    data = json.loads(out.getvalue())
    assert (data["opening"], data["closing"], data["paid"]) == ("5000.00", "4300.00", "10500.00")
    assert data["movements"] == {
        "open": "8300.00", "revise": "1000.00", "payment": "-12000.00", "return": "2000.00",
        "release": "0.00", "reopen": "0.00",
    }  # fmt: skip
    assert D(data["opening"]) + sum(map(D, data["movements"].values())) == D(data["closing"])
    assert data["payments"]["reissued"] == "2000.00"
    assert {"by_unit", "by_coverage", "by_handler", "recoveries", "net_incurred"} <= set(data)
    assert [r["key"] for r in data["by_coverage"]] == ["third_party", "vehicle_damage"]


# ---- random movement sequences --------------------------------------------------------------

op = st.tuples(
    st.integers(0, 2),  # which claim
    st.sampled_from(KINDS),
    st.integers(-50_000, 50_000),  # cents
    st.integers(0, 120),  # days after 2026-01-01
    st.sampled_from(["case", "expense"]),
)
pay = st.tuples(
    st.integers(0, 2),
    st.integers(1, 30_000),
    st.one_of(st.none(), st.integers(0, 120)),  # confirmed on day
    st.one_of(st.none(), st.integers(0, 120)),  # returned on day
    st.booleans(),  # a reissue
)


def brute(movements, payments, start, end):
    opening = sum((m[2] for m in movements if m[3] < start), D(0))
    moved = {
        k: sum((m[2] for m in movements if start <= m[3] < end and m[1] == k), D(0)) for k in KINDS
    }
    # closing by replaying each reserve up to the end
    closing = D(0)
    for key in {(m[0], m[4]) for m in movements}:
        closing += sum((m[2] for m in movements if (m[0], m[4]) == key and m[3] < end), D(0))
    confirmed = sum(
        (p[1] for p in payments if not p[4] and p[2] is not None and start <= p[2] < end), D(0)
    )
    returned = sum(
        (p[1] for p in payments if p[2] is not None and p[3] is not None and start <= p[3] < end),
        D(0),
    )
    reissued = sum(
        (p[1] for p in payments if p[4] and p[2] is not None and start <= p[2] < end), D(0)
    )
    return opening, moved, closing, confirmed - returned + reissued


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(op, max_size=14), pays=st.lists(pay, max_size=5), cut=st.integers(0, 118))
def test_random_movement_sequences_tie_out_on_every_as_of_date(ops, pays, cut):
    with transaction.atomic():
        claims = [ClaimFactory(coverage="vehicle_damage") for _ in range(3)]
        base = dt.datetime(2026, 1, 1, 9, tzinfo=SH)
        movements = []
        for i, kind, cents, day, rtype in sorted(ops, key=lambda o: o[3]):
            m = reserves.move(
                claims[i], coverage="vehicle_damage", kind=kind, amount=D(cents) / 100,
                reserve_type=rtype, at=base + dt.timedelta(days=day),
            )  # fmt: skip
            if m is not None:
                movements.append((i, kind, m.amount, m.at, rtype))
        payments = []
        for i, cents, conf, ret, reissue in pays:
            when = {
                "confirmed_at": None if conf is None else base + dt.timedelta(days=conf),
                "returned_at": None if ret is None else base + dt.timedelta(days=ret, hours=1),
            }
            original = (
                ClaimPaymentFactory(claim=claims[i], kind="advance", amount=D(1))
                if reissue
                else None
            )
            ClaimPaymentFactory(
                claim=claims[i], kind="advance", amount=D(cents) / 100, reissue_of=original, **when
            )
            payments.append((i, D(cents) / 100, when["confirmed_at"], when["returned_at"], reissue))
        assert ReserveMovement.objects.count() == len(movements)
        # every ledger balance stays the running sum, never below zero
        for c in claims:
            for rtype in ("case", "expense"):
                run = D(0)
                for m in ReserveMovement.objects.filter(claim=c, reserve_type=rtype):
                    run += m.amount
                    assert m.balance_after == run >= 0
        since = dt.date(2026, 1, 1) + dt.timedelta(days=cut // 2)
        for as_of_day in range(cut // 2, 122, 7):
            as_of = dt.date(2026, 1, 1) + dt.timedelta(days=as_of_day)
            r = reserve_report(None, as_of, since)
            tie_out(r)
            start = dt.datetime.combine(since, dt.time.min, tzinfo=SH)
            end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=SH)
            opening, moved, closing, paid = brute(movements, payments, start, end)
            assert r["opening"] == opening
            assert r["movements"] == moved
            assert r["closing"] == closing
            assert r["paid"] == paid
        transaction.set_rollback(True)
