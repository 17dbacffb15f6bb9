"""Policy services: all-or-nothing writes with the rules applied."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.policies import services
from carecircle.policies.models import Coverage, Policy
from tests.factories import PolicyFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return UserFactory(username="svc-manager", role=Role.MANAGER)


@pytest.fixture
def car():
    return VehicleFactory()


def create(user, car, **overrides):
    data = {
        "policy_no": "PDAA2026900001",
        "kind": "commercial",
        "effective_date": dt.date(2026, 1, 1),
        "expiry_date": dt.date(2027, 1, 1),
        "premium": "1000",
        "channel": "direct",
        "ncd_level": 0,
        "coverages": [{"code": "vehicle_damage", "premium": "1000"}],
    } | overrides
    return services.create_policy(acting_user=user, customer=car.owner, vehicle=car, **data)


def test_create_policy_stores_two_place_premium_and_ladder_coefficient(manager, car):
    policy = create(
        manager, car, premium="999.995", coverages=[{"code": "third_party", "premium": "1000.00"}]
    )
    policy.refresh_from_db()
    assert (policy.premium, policy.ncd_coefficient) == (Decimal("1000.00"), Decimal("1.000"))


def test_coverage_error_rolls_back_the_whole_policy(manager, car):
    with pytest.raises(DomainError):
        create(manager, car, coverages=[{"code": "vehicle_damage", "premium": "10"}])
    assert not Policy.objects.exists()
    assert not Coverage.objects.exists()
    assert not AuditLog.objects.exists()


@override_settings(CARECIRCLE={"AUTONOMOUS_PRICING_BAND": (0.65, 1.35), "NCD_LADDER": {0: "1.0"}})
def test_band_and_ladder_come_from_settings(manager, car):
    with pytest.raises(DomainError) as band:
        create(manager, car, pricing_coefficient=Decimal("0.6"))
    with pytest.raises(DomainError) as ladder:
        create(manager, car, ncd_level=-1)
    assert (band.value.code, ladder.value.code) == ("pricing_band", "ncd_level")


def test_level_minus_five_only_where_the_regions_ladder_has_it(manager):
    beijing = VehicleFactory(owner__province="北京", owner__city="北京")
    policy = create(manager, beijing, ncd_level=-5)
    assert policy.ncd_coefficient == Decimal("0.400")
    with pytest.raises(DomainError) as exc:
        create(manager, VehicleFactory(), policy_no="PDAA2026900002", ncd_level=-5)
    assert (exc.value.code, exc.value.field) == ("ncd_level", "ncd_level")
    assert "−4…5" in exc.value.message


def test_vehicle_of_another_customer_is_refused(manager, car):
    stranger_car = VehicleFactory()
    with pytest.raises(DomainError) as exc:
        services.create_policy(
            acting_user=manager,
            customer=car.owner,
            vehicle=stranger_car,
            policy_no="X1",
            kind="commercial",
            effective_date=dt.date(2026, 1, 1),
            expiry_date=dt.date(2027, 1, 1),
            premium="1",
            channel="direct",
        )
    assert exc.value.code == "vehicle_not_customers"


def test_second_renewal_of_same_policy_is_conflict(manager, car):
    previous = PolicyFactory(
        vehicle=car, effective_date=dt.date(2025, 1, 1), expiry_date=dt.date(2026, 1, 1)
    )
    create(manager, car, renews_id=previous.pk)
    with pytest.raises(DomainError) as exc:
        create(manager, car, policy_no="PDAA2026900002", renews_id=previous.pk)
    assert (exc.value.code, exc.value.status) == ("conflict", 409)
    assert Policy.objects.count() == 2


def test_update_policy_denied_to_seat_and_nothing_changes(car):
    policy = PolicyFactory(vehicle=car)
    seat = UserFactory(username="s", role=Role.SEAT)
    car.owner.owner = seat
    car.owner.save()
    with pytest.raises(PermissionDenied):
        services.update_policy(policy, acting_user=seat, premium="1")
    assert Policy.objects.get(pk=policy.pk).premium == Decimal("2760.00")


def test_cancelling_records_the_date_in_the_audit_diff(manager, car):
    policy = PolicyFactory(vehicle=car)
    services.update_policy(policy, acting_user=manager, cancelled_on=dt.date(2025, 9, 1))
    entry = AuditLog.objects.get(action="update")
    assert entry.changes == {"cancelled_on": [None, "2025-09-01"]}
