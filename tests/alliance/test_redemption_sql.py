"""What one redemption costs (the 200-a-second path, docs/alliance.md): an exact number of
queries, and the objects it answers with match what was stored."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from carecircle.alliance import redemption_sql, services
from carecircle.alliance.models import Redemption, Voucher
from carecircle.core import clock
from carecircle.core.models import ApiToken, AuditLog
from tests.factories import CustomerFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))
POSTGRESQL = connection.vendor == "postgresql"
# PostgreSQL: one read (brake, voucher, offer, location) + one write statement (voucher,
# redemption, audit).  SQLite has no data-modifying CTE: the read, then the three writes in a
# savepoint (the test's transaction turns atomic() into SAVEPOINT … RELEASE).
SERVICE_QUERIES = 2 if POSTGRESQL else 6


@pytest.fixture(autouse=True)
def noon():
    with clock.frozen_at(NOON):
        yield


@pytest.fixture
def wash():
    return merchant_with_offer()


def test_the_sql_names_the_models_tables():
    from django.apps import apps

    tables = {m._meta.db_table for m in apps.get_models()}
    assert set(redemption_sql.TABLES) <= tables


def test_a_redemption_costs_an_exact_number_of_queries(wash, django_assert_num_queries):
    _, offer, location, user = wash
    first, second = VoucherFactory(product=offer.product), VoucherFactory(product=offer.product)
    with django_assert_num_queries(SERVICE_QUERIES):
        services.redeem(first.display_code, acting_user=user, location_id=location.pk)
    with django_assert_num_queries(SERVICE_QUERIES):  # no location named: the same
        services.redeem(second.code, acting_user=user)


def test_the_api_redeems_with_one_query_more_than_the_service(
    wash, client, django_assert_num_queries
):
    _, offer, location, user = wash
    _, token = ApiToken.issue(user, "till 1")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    warm, counted = VoucherFactory(product=offer.product), VoucherFactory(product=offer.product)
    url = "/api/alliance/redemptions"
    client.post(url, {"code": warm.code}, content_type="application/json", **auth)
    # the token's lookup (its last-used time was just written) + the service's
    with django_assert_num_queries(1 + SERVICE_QUERIES):
        response = client.post(
            url,
            {"code": counted.code, "location_id": location.pk},
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 201


def test_a_refused_code_costs_its_lookup_and_its_log_row(wash, django_assert_num_queries):
    *_, user = wash
    used = VoucherFactory(product=wash[1].product)
    services.redeem(used.code, acting_user=user)
    with django_assert_num_queries(2), pytest.raises(Exception, match="already been used"):
        services.redeem(used.code, acting_user=user)
    with django_assert_num_queries(2), pytest.raises(Exception, match="typo"):
        services.redeem("AAAA-BBBB-CCCC", acting_user=user)  # no voucher lookup, brake only


def test_the_answer_matches_what_was_stored(wash):
    merchant, offer, location, user = wash
    voucher = VoucherFactory(product=offer.product, customer=CustomerFactory(name="周芷若"))
    answer = services.redeem(voucher.code, acting_user=user, location_id=location.pk)
    stored = Redemption.objects.select_related("voucher__product", "voucher__customer").get()
    fields = ("pk", "merchant_id", "location_id", "offer_id", "agreed_price", "status")
    assert [getattr(answer, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (answer.redeemed_at, answer.redeemed_by_id) == (stored.redeemed_at, user.pk)
    assert answer.agreed_price == Decimal("35.50")
    assert (answer.voucher.status, answer.voucher.merchant_id) == ("redeemed", merchant.pk)
    assert answer.voucher.product.name == stored.voucher.product.name
    assert answer.voucher.customer.display_name_for(user) == "周**"
    assert answer.voucher.display_code == voucher.display_code
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at == NOON
    audit = AuditLog.objects.get(object_type="alliance.redemption")
    assert (audit.action, audit.object_id, audit.actor_id) == ("create", str(stored.pk), user.pk)
    assert audit.summary == f"redeemed {voucher.code[:4]}… {offer.product_id} at ¥35.50"


def test_the_portal_redeems_with_the_session_and_user_queries_more(
    wash, client, django_assert_num_queries
):
    _, offer, location, user = wash
    voucher = VoucherFactory(product=offer.product)
    client.force_login(user)
    with django_assert_num_queries(2 + SERVICE_QUERIES):  # the session, the user
        response = client.post(
            "/alliance/merchant/redeem/",
            {"code": voucher.display_code, "location": location.pk},
            HTTP_HX_REQUEST="true",
        )
    assert 'id="redeemed"' in response.content.decode()
