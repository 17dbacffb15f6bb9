"""Customer and vehicle services as the web UI calls them: validated, de-duplicated, audited."""

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.core import pii
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties import services
from carecircle.parties.models import Customer, Vehicle
from tests.factories import CustomerFactory, UserFactory, VehicleFactory, make_id_number

pytestmark = pytest.mark.django_db

VALID_ID = "440524188001010014"


@pytest.fixture
def seat():
    return UserFactory(username="svc-seat", role=Role.SEAT)


@pytest.fixture
def manager():
    return UserFactory(username="svc-manager", role=Role.MANAGER)


def test_create_customer_encrypts_indexes_and_masks_personal_data(seat):
    customer = services.create_customer(
        acting_user=seat, name="赵六", phone="+86 139-1234-5678", id_number=VALID_ID.lower()
    )
    customer.refresh_from_db()
    assert pii.decrypt(customer.phone_encrypted) == "13912345678"
    assert customer.phone_hash == pii.blind_index("13912345678")
    assert (customer.phone_masked, customer.phone_last4) == ("139****5678", "5678")
    assert customer.id_number_masked == "440524********0014"
    assert (str(customer.birth_date), customer.gender) == ("1880-01-01", "M")
    assert customer.owner_id == seat.pk


def test_duplicate_id_number_is_refused_by_blind_index(seat):
    CustomerFactory(customer_no="C00000042")
    with pytest.raises(DomainError) as exc:
        services.create_customer(acting_user=seat, name="冒名", id_number=make_id_number(42))
    assert (exc.value.code, exc.value.field, exc.value.status) == (
        "duplicate_id_number",
        "id_number",
        409,
    )


def test_customer_keeps_own_phone_on_update(seat):
    customer = services.create_customer(acting_user=seat, name="赵六", phone="13912345678")
    services.update_customer(customer, acting_user=seat, phone="13912345678", city="湖州")
    customer.refresh_from_db()
    assert customer.city == "湖州"


def test_update_audit_shows_masked_phone_never_the_number(seat):
    customer = services.create_customer(acting_user=seat, name="赵六", phone="13912345678")
    services.update_customer(customer, acting_user=seat, phone="13800001111")
    entry = AuditLog.objects.get(action="update", object_id=str(customer.pk))
    assert entry.changes == {"phone_masked": ["139****5678", "138****1111"]}
    assert "13800001111" not in str(entry.changes)


def test_update_outside_scope_is_denied_and_nothing_changes(seat):
    other = CustomerFactory(city="杭州")
    with pytest.raises(PermissionDenied):
        services.update_customer(other, acting_user=seat, city="温州")
    other.refresh_from_db()
    assert other.city == "杭州"
    assert not AuditLog.objects.exists()


def test_manager_assigns_owner_only_to_active_staff(manager):
    customer = CustomerFactory()
    partner_user = UserFactory(username="p", role=Role.PARTNER_USER)
    with pytest.raises(DomainError) as exc:
        services.update_customer(customer, acting_user=manager, owner_id=partner_user.pk)
    assert exc.value.code == "owner_unknown"


def test_person_cannot_carry_uscc_and_company_cannot_carry_id(seat):
    with pytest.raises(DomainError) as person:
        services.create_customer(acting_user=seat, name="甲", uscc="91350100M000100Y43")
    with pytest.raises(DomainError) as company:
        services.create_customer(
            acting_user=seat,
            name="乙公司",
            kind="company",
            id_number=VALID_ID,
            uscc="91350100M000100Y43",
        )
    assert (person.value.code, company.value.code) == ("uscc_for_person", "id_number_for_company")
    assert not Customer.objects.exists()


def test_create_vehicle_infers_new_energy_from_plate(seat):
    owner = CustomerFactory(owner=seat)
    vehicle = services.create_vehicle(owner, acting_user=seat, plate="浙A12345D")
    assert (vehicle.plate, vehicle.new_energy) == ("浙A12345D", True)


def test_update_vehicle_denied_for_partner_and_nothing_changes():
    vehicle = VehicleFactory(plate="浙A11111")
    partner_user = UserFactory(username="p2", role=Role.PARTNER_USER)
    with pytest.raises(PermissionDenied):
        services.update_vehicle(vehicle, acting_user=partner_user, plate="浙A22222")
    assert Vehicle.objects.get(pk=vehicle.pk).plate == "浙A11111"


def test_update_vehicle_records_diff(manager):
    vehicle = VehicleFactory(plate="浙A11111")
    services.update_vehicle(vehicle, acting_user=manager, plate="浙A22222", seats=7)
    entry = AuditLog.objects.get(action="update", object_type="parties.vehicle")
    assert entry.changes == {"plate": ["浙A11111", "浙A22222"], "seats": ["5", "7"]}
