"""The staff transfer page (/policies/vehicles/<id>/transfer/): what each policy in force would
refund if cancelled, the transfer recorded on submit, refusals shown on the page, and only
for those who may edit policies within their scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from carecircle.core import clock
from carecircle.core.roles import Role
from carecircle.policies.models import OwnershipTransfer
from carecircle.policies.policy_parties import default_parties_for
from tests.factories import CustomerFactory, PolicyFactory, UserFactory, VehicleFactory
from tests.factories.core import SH

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _today():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def car():
    car = VehicleFactory(owner=CustomerFactory(name="卖车人"), plate="浙A12345")
    policy = PolicyFactory(vehicle=car, customer=car.owner)
    default_parties_for([policy])
    PolicyFactory(vehicle=car, customer=car.owner, kind="compulsory", premium=Decimal("950.00"))
    return car


def page(car):
    return reverse("endorsements:transfer", args=[car.pk])


def test_the_page_lists_the_policies_in_force_with_their_parties_and_refunds(car, manager, login):
    response = login(manager).get(page(car))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-refund="695.67"' in html  # 2760.00 × 92 / 365 from 1 March
    assert "交强险随车过户" in html  # the compulsory stays with the vehicle
    assert "投保人 / Applicant: 卖车人" in html
    assert "投保人 / Policyholder: 卖车人" in html  # the compulsory has no party rows


def test_submitting_records_the_transfer_and_shows_it(car, manager, login):
    buyer = CustomerFactory(customer_no="C10000001")
    client = login(manager)
    response = client.post(
        page(car), {"new_owner_no": "C10000001", "on": "2026-03-01", "in_force": "cancel"}
    )
    done = OwnershipTransfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("endorsements:transfer_detail", args=[done.pk])
    assert done.to_owner == buyer
    html = client.get(response["Location"]).content.decode()
    assert "¥695.67" in html and "过户退保 / Cancelled on transfer" in html


def test_a_refusal_is_shown_on_the_page_with_its_status(car, manager, login):
    response = login(manager).post(
        page(car),
        {"new_owner_no": car.owner.customer_no, "on": "2026-03-01", "in_force": "transfer"},
    )
    assert response.status_code == 409
    assert 'data-code="same_owner"' in response.content.decode()
    assert OwnershipTransfer.objects.count() == 0


def test_an_unknown_buyer_is_named(car, manager, login):
    response = login(manager).post(
        page(car), {"new_owner_no": "C99999999", "on": "2026-03-01", "in_force": "transfer"}
    )
    assert response.status_code == 400
    assert 'data-field="new_owner_no"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.SEAT, Role.CLAIMS_HANDLER, Role.SERVICE_MANAGER])
def test_roles_that_may_not_edit_policies_get_403(car, login, role):
    assert login(UserFactory(role=role)).get(page(car)).status_code == 403


def test_an_agent_gets_404_for_a_vehicle_outside_their_book(car, login):
    assert login(UserFactory(role=Role.SALES_AGENT)).get(page(car)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(car, client):
    response = client.get(page(car))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
