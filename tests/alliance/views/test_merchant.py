"""The merchant portal: a merchant redeems in place (htmx) and sees the refusal in place."""

import pytest

from tests.factories import CustomerFactory
from tests.factories.alliance import VoucherFactory

pytestmark = pytest.mark.django_db


def test_a_merchant_redeems_in_place_and_sees_the_refusal_in_place(client, wash):
    _, offer, location, user = wash
    voucher = VoucherFactory(product=offer.product, customer=CustomerFactory(name="赵云"))
    client.force_login(user)
    ok = client.post(
        "/alliance/merchant/redeem/",
        {"code": voucher.display_code, "location": location.pk},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    assert ok["HX-Trigger"] == "redeemed"
    text = ok.content.decode()
    assert "核销成功 / Redeemed" in text and "赵*" in text and "赵云" not in text
    again = client.post(
        "/alliance/merchant/redeem/", {"code": voucher.code}, HTTP_HX_REQUEST="true"
    )
    assert again.status_code == 200
    assert 'data-code="used"' in again.content.decode()
    plain = client.post("/alliance/merchant/redeem/", {"code": voucher.code})
    assert plain.status_code == 409
    page = client.get("/alliance/merchant/").content.decode()
    # today's list shows the code masked: a merchant reads a code only at the counter
    assert voucher.masked_code in page and voucher.display_code not in page
    assert "¥35.50" in page and "赵云" not in page
