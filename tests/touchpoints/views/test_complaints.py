"""Complaint pages: the handlers' queue and a complaint's life, the customer's own view and
complaints filed from the app."""

import pytest

from carecircle.core.roles import Role
from carecircle.touchpoints.models import Complaint
from tests.factories import CustomerFactory, PartnerFactory, UserFactory
from tests.touchpoints.services.test_complaints import _receive

pytestmark = pytest.mark.django_db


def test_the_complaint_pages_follow_a_complaint_through_its_life(client, people):
    customer = CustomerFactory(customer_no="C00000777", name="陈小春")
    client.login(username="svc", password="pw-for-tests-1")
    response = client.post(
        "/ecosystem/complaints/new/",
        {
            "customer_no": "C00000777",
            "channel": "wechat",
            "category": "auto_renewal",
            "severity": "normal",
            "touchpoint": "phone",
            "summary": "未经同意自动续保扣款",
        },
    )
    c = Complaint.objects.get(customer=customer)
    assert response.url == f"/ecosystem/complaints/{c.pk}/"
    assert c.severity == "high"
    assert client.post(f"/ecosystem/complaints/{c.pk}/confirm/").status_code == 409
    seat = people["seat"]
    refused = client.post(f"/ecosystem/complaints/{c.pk}/start/", {"owner": str(seat.pk)})
    assert refused.status_code == 400  # a seat does not handle complaints
    client.post(f"/ecosystem/complaints/{c.pk}/start/", {"owner": str(people["manager"].pk)})
    c.refresh_from_db()
    assert (c.status, c.owner) == ("in_progress", people["manager"])
    client.post(f"/ecosystem/complaints/{c.pk}/resolve/", {"resolution": "已退费并致歉"})
    client.post(f"/ecosystem/complaints/{c.pk}/confirm/")
    c.refresh_from_db()
    assert c.status == "closed"
    page = client.get(f"/ecosystem/complaints/{c.pk}/").content.decode()
    assert "已退费并致歉" in page
    assert client.get("/ecosystem/complaints/?status=closed").status_code == 200


def test_a_customer_sees_their_own_complaint_only(client, people):
    mine, theirs = CustomerFactory(owner=people["seat"]), CustomerFactory(owner=people["seat"])
    UserFactory(username="me", role=Role.CUSTOMER, customer=mine)
    own = _receive(mine, people["seat"])
    other = _receive(theirs, people["seat"])
    client.login(username="me", password="pw-for-tests-1")
    assert client.get(f"/ecosystem/complaints/{own.pk}/").status_code == 200
    assert client.get(f"/ecosystem/complaints/{other.pk}/").status_code == 404
    assert client.get("/ecosystem/complaints/").status_code == 403


def test_a_customer_files_a_complaint_from_the_app_and_sees_only_their_own(client, people):
    mine = CustomerFactory(customer_no="C00000888")
    UserFactory(username="me", role=Role.CUSTOMER, customer=mine)
    _receive(CustomerFactory(owner=people["seat"]), people["seat"])  # someone else's
    client.login(username="me", password="pw-for-tests-1")
    response = client.post(
        "/ecosystem/my/complaints/",
        {"category": "speed", "touchpoint": "claims", "summary": "三周了还没赔"},
    )
    c = Complaint.objects.get(customer=mine)
    assert response.url == f"/ecosystem/complaints/{c.pk}/"
    assert (c.channel, c.severity, c.owner) == ("app", "normal", None)
    page = client.get("/ecosystem/my/complaints/").content.decode()
    assert c.complaint_no in page
    assert page.count('href="/ecosystem/complaints/') == 1
    UserFactory(username="p", role=Role.PARTNER_USER, partner=PartnerFactory())
    client.login(username="p", password="pw-for-tests-1")
    assert client.get("/ecosystem/my/complaints/").status_code == 403


def test_customers_find_their_complaints_in_the_navigation(client):
    UserFactory(username="me", role=Role.CUSTOMER, customer=CustomerFactory())
    client.login(username="me", password="pw-for-tests-1")
    assert (
        'href="/ecosystem/my/complaints/"'
        in client.get("/ecosystem/my/complaints/").content.decode()
    )
