"""The customer's page: customers see, book and rate their own vouchers."""

import datetime as dt

import pytest

from carecircle.alliance import services
from carecircle.alliance.models import Booking, Rating
from carecircle.core.roles import Role
from tests.factories import CustomerFactory, UserFactory
from tests.factories.alliance import VoucherFactory

pytestmark = pytest.mark.django_db


def test_a_customer_sees_books_and_rates_their_vouchers(client, wash):
    merchant, offer, location, user = wash
    customer = CustomerFactory()
    mine = VoucherFactory(product=offer.product, customer=customer)
    used = VoucherFactory(product=offer.product, customer=customer)
    theirs = VoucherFactory(product=offer.product)
    redemption = services.redeem(used.code, acting_user=user)
    client.force_login(UserFactory(role=Role.CUSTOMER, customer=customer))
    page = client.get("/alliance/my/").content.decode()
    assert mine.display_code in page and theirs.display_code not in page
    assert used.display_code not in page  # a used code is not shown again
    assert "¥35.50" in page  # value delivered
    response = client.post(
        f"/alliance/my/vouchers/{mine.pk}/book/",
        {"location": location.pk, "day": "2026-06-03", "share_consent": "on"},
    )
    assert response.status_code == 302
    assert Booking.objects.get().day == dt.date(2026, 6, 3)
    assert (
        client.post(
            f"/alliance/my/vouchers/{theirs.pk}/book/",
            {"location": location.pk, "day": "2026-06-03"},
        ).status_code
        == 404
    )
    client.post(
        f"/alliance/my/redemptions/{redemption.pk}/rate/", {"stars": "2", "complaint": "on"}
    )
    rating = Rating.objects.get()
    assert (rating.stars, rating.complaint, rating.merchant_id) == (2, True, merchant.pk)
