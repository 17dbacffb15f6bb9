"""Scorecard pages and who may see them: a partner sees its own only, masked; staff who
manage partners see every partner; never customers' full personal details."""

import datetime as dt

import pytest

from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from tests.factories import (
    UserFactory,
)

pytestmark = pytest.mark.django_db
FEB = dt.date(2026, 2, 1)


def test_a_partner_user_sees_its_own_scorecard_with_masked_customers(client, shop_book):
    shop, *_ = shop_book
    UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    assert client.get("/ecosystem/portal/").url == f"/ecosystem/partners/{shop.pk}/"
    page = client.get(f"/ecosystem/partners/{shop.pk}/?month=2026-02")
    assert page.status_code == 200
    assert "¥12,000.00" in page.content.decode()
    drill = client.get(f"/ecosystem/partners/{shop.pk}/policies/?month=2026-02").content.decode()
    assert "周**" in drill
    assert "周杰伦" not in drill
    assert "138" not in drill  # no phone numbers at all


def test_a_partner_user_is_refused_another_partners_scorecard_and_drill_down(client, shop_book):
    shop, other, _ = shop_book
    user = UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    assert client.get(f"/ecosystem/partners/{other.pk}/").status_code == 403
    assert client.get(f"/ecosystem/partners/{other.pk}/claims/?month=2026-02").status_code == 403
    assert client.get("/ecosystem/partners/").status_code == 403
    denied = AuditLog.objects.filter(actor=user, action="denied", object_id=str(other.pk))
    assert denied.count() == 2


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MANAGER, 200), (Role.SERVICE_MANAGER, 200), (Role.SEAT, 403), (Role.CUSTOMER, 403)],
)
def test_only_staff_who_manage_partners_see_every_scorecard(client, shop_book, role, status):
    shop, *_ = shop_book
    UserFactory(username="someone", role=role)
    client.login(username="someone", password="pw-for-tests-1")
    assert client.get(f"/ecosystem/partners/{shop.pk}/?month=2026-02").status_code == status
    assert client.get("/ecosystem/partners/?month=2026-02").status_code == status


def test_staff_see_full_names_in_the_drill_down(client, shop_book):
    shop, *_ = shop_book
    UserFactory(username="boss", role=Role.MANAGER)
    client.login(username="boss", password="pw-for-tests-1")
    drill = client.get(f"/ecosystem/partners/{shop.pk}/policies/?month=2026-02").content.decode()
    assert "周杰伦" in drill


def test_a_partner_user_cannot_reveal_a_customers_full_details(client, shop_book):
    """Even for a customer the partner brought: the masked name on the 360 page, and revealing
    the phone or ID number is refused."""
    shop, _, customer = shop_book
    UserFactory(username="shopuser", role=Role.PARTNER_USER, partner=shop)
    client.login(username="shopuser", password="pw-for-tests-1")
    for field in ("phone", "id_number"):
        response = client.post(f"/customers/{customer.pk}/reveal/{field}/")
        assert response.status_code == 403
    assert not AuditLog.objects.filter(action="reveal_pii").exists()
