"""Ownership transfer (过户) as an endorsement (批改): the vehicle changes owner from a date,
its policies in force are transferred or cancelled with a pro-rata refund, the NCD chain
starts again for the buyer, the seller keeps their history; every refusal is named."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given
from hypothesis import strategies as st

from carecircle.claims.selectors.history import ncd_for, vehicle_records
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.policies.endorsements import transfer_vehicle, unearned_premium
from carecircle.policies.models import Endorsement, OwnershipTransfer, Policy, PolicyParty
from carecircle.policies.models_proposals import ProposalStatus
from carecircle.policies.ncd import TRANSFERRED
from carecircle.policies.policy_parties import default_parties_for
from carecircle.renewals.conf import renewal_settings
from carecircle.renewals.quote import compute
from tests.factories import (
    CustomerFactory,
    PolicyFactory,
    ProposalFactory,
    RenewalTaskFactory,
    UserFactory,
    VehicleFactory,
)
from tests.factories.claims import PlainClaimFactory
from tests.factories.core import SH

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
SOLD_ON = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(TODAY):
        yield


@pytest.fixture
def seller():
    return CustomerFactory(name="卖车人")


@pytest.fixture
def buyer():
    return CustomerFactory(name="买车人")


@pytest.fixture
def car(seller):
    return VehicleFactory(owner=seller, plate="浙A12345")


def held(car, *, kind="commercial", start=dt.date(2025, 6, 1), premium="2760.00", **kw):
    """A one-year policy of the car's owner with its parties recorded, as a sale records them."""
    policy = PolicyFactory(
        vehicle=car,
        customer=car.owner,
        kind=kind,
        effective_date=start,
        expiry_date=start.replace(year=start.year + 1),
        premium=Decimal(premium),
        **kw,
    )
    default_parties_for([policy])
    return policy


def roles(policy):
    return dict(PolicyParty.objects.filter(policy=policy).values_list("role", "customer_id"))


def claim(policy, day: dt.date, **kw):
    at = dt.datetime.combine(day, dt.time(9), tzinfo=SH)
    kw.setdefault("status", "paid")
    kw.setdefault("amount_paid", Decimal("800.00"))
    return PlainClaimFactory(policy=policy, accident_at=at, reported_at=at, **kw)


# ---- transferred with the vehicle ----------------------------------------------------------


def test_a_transfer_makes_the_buyer_insured_and_owner_from_the_date_and_the_seller_stays_applicant(
    car, seller, buyer, manager
):
    commercial = held(car)
    compulsory = held(car, kind="compulsory", premium="950.00")
    transfer = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    car.refresh_from_db()
    assert car.owner_id == buyer.pk
    for policy in (commercial, compulsory):
        assert roles(policy) == {"applicant": seller.pk, "insured": buyer.pk, "owner": buyer.pk}
        policy.refresh_from_db()
        assert (policy.customer_id, policy.cancelled_on) == (seller.pk, None)
    assert set(PolicyParty.objects.filter(since=SOLD_ON).values_list("policy_id", "role")) == {
        (commercial.pk, "insured"),
        (commercial.pk, "owner"),
        (compulsory.pk, "insured"),
        (compulsory.pk, "owner"),
    }
    endorsement = transfer.endorsements.get(policy=commercial)
    assert (endorsement.kind, endorsement.effective_on, endorsement.refund) == (
        "transfer",
        SOLD_ON,
        None,
    )
    assert endorsement.before == {
        "applicant": seller.pk,
        "insured": seller.pk,
        "owner": seller.pk,
        "since": None,
    }
    assert endorsement.after == {
        "applicant": seller.pk,
        "insured": buyer.pk,
        "owner": buyer.pk,
        "since": "2026-03-01",
    }
    assert (transfer.from_owner_id, transfer.to_owner_id, transfer.created_by) == (
        seller.pk,
        buyer.pk,
        manager,
    )


def test_a_transfer_is_audited_on_the_vehicle_the_transfer_and_each_policy(car, buyer, manager):
    policy = held(car)
    transfer = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    logged = {(a.object_type, a.object_id) for a in AuditLog.objects.filter(actor=manager)}
    assert logged == {
        ("parties.vehicle", str(car.pk)),
        ("policies.ownershiptransfer", str(transfer.pk)),
        ("policies.policy", str(policy.pk)),
    }
    entry = AuditLog.objects.get(object_type="parties.vehicle")
    assert entry.changes == {"owner_id": [str(transfer.from_owner_id), str(buyer.pk)]}


def test_a_policy_without_party_rows_is_transferred_from_its_customer(car, seller, buyer, manager):
    policy = PolicyFactory(vehicle=car, customer=seller)  # loaded before parties were recorded
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert roles(policy) == {"applicant": seller.pk, "insured": buyer.pk, "owner": buyer.pk}


def test_a_renewal_issued_to_start_later_is_transferred_from_its_start(car, buyer, manager):
    held(car)
    later = held(car, start=dt.date(2026, 6, 1))
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert roles(later)["insured"] == buyer.pk
    assert PolicyParty.objects.get(policy=later, role="insured").since == dt.date(2026, 6, 1)
    assert Endorsement.objects.get(policy=later).effective_on == dt.date(2026, 6, 1)


def test_expired_and_cancelled_policies_are_left_alone(car, seller, buyer, manager):
    old = held(car, start=dt.date(2024, 6, 1))
    gone = held(car, start=dt.date(2025, 6, 1), cancelled_on=dt.date(2025, 9, 1))
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert Endorsement.objects.count() == 0
    assert roles(old)["insured"] == roles(gone)["insured"] == seller.pk


def test_running_the_same_transfer_again_returns_the_first(car, buyer, manager):
    held(car)
    first = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    again = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert again.pk == first.pk
    assert (OwnershipTransfer.objects.count(), Endorsement.objects.count()) == (1, 1)


def test_an_open_claim_does_not_stop_a_transfer_and_stays_on_the_policy(
    car, seller, buyer, manager
):
    policy = held(car)
    open_claim = claim(policy, dt.date(2026, 2, 1), status="registered", amount_paid=Decimal(0))
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    open_claim.refresh_from_db()
    assert (open_claim.policy_id, open_claim.policy.customer_id) == (policy.pk, seller.pk)


def test_unpaid_renewal_offers_for_the_seller_are_withdrawn(car, seller, buyer, manager):
    held(car)
    offer = ProposalFactory(customer=seller, vehicle=car)
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    offer.refresh_from_db()
    assert offer.status == ProposalStatus.CANCELLED


# ---- cancelled with a refund ----------------------------------------------------------------


def test_cancelling_refunds_the_unearned_premium_by_the_day_and_keeps_the_compulsory(
    car, seller, buyer, manager
):
    commercial = held(car)  # 2025-06-01 → 2026-06-01: 365 days, 92 left from 1 March
    compulsory = held(car, kind="compulsory", premium="950.00")
    transfer = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)
    commercial.refresh_from_db()
    assert commercial.cancelled_on == SOLD_ON
    cancellation = transfer.endorsements.get(policy=commercial)
    # 2760.00 × 92 / 365 = 695.6712… → 695.67
    assert (cancellation.kind, cancellation.refund) == ("cancellation", Decimal("695.67"))
    assert cancellation.after == {"cancelled_on": "2026-03-01", "refund": "695.67"}
    kept = transfer.endorsements.get(policy=compulsory)
    assert (kept.kind, kept.refund) == ("transfer", None)
    assert "交强险随车过户" in kept.note
    compulsory.refresh_from_db()
    assert compulsory.cancelled_on is None
    assert roles(compulsory)["insured"] == buyer.pk
    assert roles(commercial)["insured"] == seller.pk  # a cancelled policy is not re-pointed


def test_a_renewal_issued_to_start_later_is_cancelled_with_its_whole_premium(car, buyer, manager):
    held(car)
    later = held(car, start=dt.date(2026, 6, 1), premium="3100.00")
    transfer = transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)
    assert transfer.endorsements.get(policy=later).refund == Decimal("3100.00")


def test_an_open_claim_stops_a_cancellation_with_the_claim_named(car, buyer, manager):
    policy = held(car)
    open_claim = claim(policy, dt.date(2026, 2, 1), status="registered", amount_paid=Decimal(0))
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "open_claim",
        409,
        "in_force",
    )
    assert f"{policy.policy_no}: {open_claim.claim_no}" in refused.value.message
    car.refresh_from_db()
    assert (car.owner_id, OwnershipTransfer.objects.count()) == (policy.customer_id, 0)


def test_an_accident_on_or_after_the_date_stops_a_cancellation_a_closed_earlier_one_does_not(
    car, buyer, manager
):
    policy = held(car)
    claim(policy, dt.date(2025, 12, 1), status="closed")
    rejected = claim(policy, dt.date(2026, 3, 2), status="rejected", amount_paid=Decimal(0))
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)  # neither stops it
    assert Policy.objects.get(pk=policy.pk).cancelled_on == SOLD_ON
    assert rejected.status == "rejected"


def test_a_paid_claim_after_the_date_stops_the_cancellation(car, buyer, manager):
    policy = held(car)
    claim(policy, SOLD_ON, status="closed")
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)
    assert refused.value.code == "open_claim"


@given(
    premium=st.decimals(min_value=0, max_value=100_000, places=2),
    term=st.integers(min_value=1, max_value=1100),
    offset=st.integers(min_value=-400, max_value=1500),
)
def test_the_refund_is_the_premium_of_the_days_left_to_the_cent_half_up(premium, term, offset):
    effective = dt.date(2026, 1, 1)
    expiry = effective + dt.timedelta(days=term)
    on = effective + dt.timedelta(days=offset)
    refund = unearned_premium(premium, effective, expiry, on)
    left = min(max(term - max(offset, 0), 0), term)
    exact = Fraction(premium) * left / term
    expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert refund == expected
    assert Decimal(0) <= refund <= premium
    assert refund.as_tuple().exponent == -2


def test_the_refund_at_the_edges():
    start, end = dt.date(2025, 6, 1), dt.date(2026, 6, 1)
    assert unearned_premium(Decimal("2760.00"), start, end, start) == Decimal("2760.00")
    assert unearned_premium(Decimal("2760.00"), start, end, dt.date(2025, 1, 1)) == Decimal(
        "2760.00"
    )
    assert unearned_premium(Decimal("2760.00"), start, end, end) == Decimal("0.00")
    # one day of 365 of 1.00 is 0.0027… → 0.00; 0.005 exactly rounds up
    assert unearned_premium(Decimal("1.00"), start, end, dt.date(2026, 5, 31)) == Decimal("0.00")
    assert unearned_premium(
        Decimal("0.01"), start, start + dt.timedelta(days=2), start + dt.timedelta(days=1)
    ) == Decimal("0.01")


# ---- refusals -------------------------------------------------------------------------------


def test_a_transfer_to_the_owner_is_refused(car, seller, manager):
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, seller, on=SOLD_ON, in_force="transfer", by=manager)
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "same_owner",
        409,
        "new_owner_id",
    )


def test_a_different_request_after_a_transfer_to_the_same_buyer_is_refused(car, buyer, manager):
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=dt.date(2026, 3, 5), in_force="transfer", by=manager)
    assert refused.value.code == "same_owner"


def test_a_date_before_a_policy_that_has_started_since_is_refused(car, buyer, manager):
    policy = held(car, start=dt.date(2026, 3, 5))  # bought by the seller after the sale date
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert (refused.value.code, refused.value.field) == ("transfer_before_policy_start", "on")
    assert policy.policy_no in refused.value.message


def test_a_date_in_the_future_is_refused(car, buyer, manager):
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=dt.date(2026, 3, 11), in_force="transfer", by=manager)
    assert (refused.value.code, refused.value.field) == ("transfer_in_future", "on")


def test_a_date_before_the_vehicles_last_transfer_is_refused(car, buyer, manager):
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(
            car, CustomerFactory(), on=dt.date(2026, 2, 1), in_force="transfer", by=manager
        )
    assert refused.value.code == "transfer_before_last"


def test_an_unknown_choice_for_the_policies_is_refused(car, buyer, manager):
    with pytest.raises(DomainError) as refused:
        transfer_vehicle(car, buyer, on=SOLD_ON, in_force="keep", by=manager)
    assert (refused.value.code, refused.value.field) == ("in_force", "in_force")


@pytest.mark.parametrize("role", [Role.SEAT, Role.CLAIMS_HANDLER, Role.SERVICE_MANAGER])
def test_only_who_may_edit_policies_transfers(car, buyer, role):
    with pytest.raises(PermissionDenied):
        transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=UserFactory(role=role))
    assert OwnershipTransfer.objects.count() == 0


def test_an_agent_cannot_transfer_to_a_customer_outside_their_book(car):
    agent = UserFactory(role=Role.SALES_AGENT)
    car.owner.owner = agent
    car.owner.save()
    with pytest.raises(PermissionDenied):
        transfer_vehicle(car, CustomerFactory(), on=SOLD_ON, in_force="transfer", by=agent)


# ---- the NCD starts again for the buyer; the seller keeps their history ---------------------


def three_clean_years(car):
    years = [held(car, start=dt.date(y, 6, 1)) for y in (2023, 2024, 2025)]
    return years


def test_the_buyers_renewal_quote_starts_the_ncd_chain_again(car, seller, buyer, manager):
    three_clean_years(car)  # the seller's −3 (0.6) would apply without the transfer
    start = dt.date(2026, 6, 1)
    assert ncd_for(car.pk, start, owner_id=seller.pk).level == -3
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    records = vehicle_records(car.pk, start)
    assert records.transferred_on == SOLD_ON
    for owner in (buyer.pk, seller.pk, None):  # whoever the renewal task names
        found = ncd_for(car.pk, start, owner_id=owner, records=records)
        assert (found.level, found.coefficient, found.assessment.cause) == (
            0,
            Decimal("1.000"),
            TRANSFERRED,
        )
    assert "车辆过户" in found.reason


def test_the_renewal_quote_of_a_transferred_policy_is_at_level_0(car, buyer, manager):
    last = three_clean_years(car)[-1]
    task = RenewalTaskFactory(policy=last)
    assert compute(task, None, renewal_settings()).ncd_level == -3
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    quote = compute(task, None, renewal_settings())
    assert (quote.ncd_level, quote.ncd_coefficient) == (0, Decimal("1.000"))
    assert "车辆过户" in quote.ncd_reason


def test_the_buyers_own_years_after_the_transfer_count(car, buyer, manager):
    three_clean_years(car)
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="cancel", by=manager)
    PolicyFactory(
        vehicle=car,
        customer=buyer,
        effective_date=dt.date(2026, 3, 2),
        expiry_date=dt.date(2027, 3, 2),
    )
    found = ncd_for(car.pk, dt.date(2027, 3, 2), owner_id=buyer.pk)
    assert (found.level, found.assessment.insured_years) == (-1, 1)


def test_an_explicit_transfer_date_is_honoured_without_a_recorded_transfer(car, seller):
    three_clean_years(car)
    start = dt.date(2026, 6, 1)
    found = ncd_for(car.pk, start, owner_id=seller.pk, transferred_on=dt.date(2026, 1, 1))
    assert (found.level, found.assessment.cause) == (0, TRANSFERRED)


def test_the_seller_keeps_their_history(car, seller, buyer, manager):
    years = three_clean_years(car)
    claim(years[0], dt.date(2023, 8, 1))
    transfer_vehicle(car, buyer, on=SOLD_ON, in_force="transfer", by=manager)
    assert set(Policy.objects.filter(customer=seller).values_list("pk", flat=True)) == {
        p.pk for p in years
    }
    assert all(roles(p)["applicant"] == seller.pk for p in years)
    # Before the transfer the seller's chain is as it was: 2 clean years then one claim.
    before = ncd_for(car.pk, dt.date(2025, 6, 1), owner_id=seller.pk)
    assert (before.level, before.assessment.claims) == (-1, 1)
