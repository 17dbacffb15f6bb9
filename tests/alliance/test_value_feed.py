"""The value feed: each standing redemption reaches the value engine as a value-added service
contact (with its rating and complaint) and at its agreed price, which replaces the ¥150
placeholder for that use; service contacts the alliance does not price keep the placeholder."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from carecircle.alliance import services
from carecircle.core import clock
from carecircle.touchpoints.models import Interaction
from carecircle.value.engine import features as f
from carecircle.value.engine.export import export_snapshot, scan_service_uses
from carecircle.value.engine.params import ValueParams
from carecircle.value.engine.snapshot import scan_snapshot
from tests.factories import CustomerFactory
from tests.factories.alliance import VoucherFactory, merchant_with_offer

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def book(tmp_path):
    _merchant, offer, _, user = merchant_with_offer(price="35.50")
    rated = CustomerFactory(customer_no="C10000001")
    other = CustomerFactory(customer_no="C10000002")
    with clock.frozen_at(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        first = services.redeem(
            VoucherFactory(product=offer.product, customer=rated).code, acting_user=user
        )
        services.redeem(
            VoucherFactory(product=offer.product, customer=rated).code, acting_user=user
        )
        reversed_ = services.redeem(
            VoucherFactory(product=offer.product, customer=other).code, acting_user=user
        )
        services.reverse(reversed_, acting_user=user, reason="误操作 / mistake")
    services.rate(first, 2, acting_user=_login(rated), complaint=True)
    Interaction.objects.create(
        interaction_no="I1",
        customer=other,
        contact_type="service",
        medium="store",
        direction="inbound",
        occurred_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC),
        outcome="resolved",
    )
    export_snapshot(tmp_path)
    return tmp_path


def _login(customer):
    from carecircle.core.roles import Role
    from tests.factories import UserFactory

    return UserFactory(role=Role.CUSTOMER, customer=customer)


def test_redemptions_reach_the_snapshot_as_service_contacts_with_their_price(book):
    interactions = pl.read_parquet(book / "interactions.parquet").sort("customer_no", "occurred_at")
    rows = interactions.select("customer_no", "contact_type", "outcome", "satisfaction").rows()
    assert sorted(rows, key=str) == sorted(
        [
            ("C10000001", "service", "complained", 2),  # rated 2 with a complaint
            ("C10000001", "service", "resolved", None),
            ("C10000002", "service", "resolved", None),  # a touchpoint contact, not priced
        ],
        key=str,
    )  # the reversed redemption is not there
    uses = pl.read_parquet(book / "service_uses.parquet")
    assert uses.select("customer_no", "agreed_price").rows() == [
        ("C10000001", Decimal("35.50")),
        ("C10000001", Decimal("35.50")),
    ]


def test_services_value_prices_redemptions_and_keeps_the_placeholder_for_the_rest(book):
    params = ValueParams(as_of=AS_OF)
    inputs = scan_snapshot(book)
    frame = (
        f.customer_experience(inputs.interactions, params)
        .join(
            f.customer_service_value(scan_service_uses(book), params), on="customer_no", how="left"
        )
        .with_columns(value=f.services_value(params))
        .sort("customer_no")
        .collect()
    )
    got = frame.select("customer_no", "services_used", "complaints", "value").rows()
    assert got == [("C10000001", 2, 1, 71.0), ("C10000002", 1, 0, 150.0)]


def test_without_alliance_data_the_placeholder_applies_as_before(tmp_path):
    params = ValueParams(as_of=AS_OF)
    frame = (
        pl.LazyFrame({"customer_no": ["C1"], "services_used": [3]})
        .join(f.customer_service_value(None, params), on="customer_no", how="left")
        .with_columns(value=f.services_value(params))
        .collect()
    )
    assert frame["value"].to_list() == [450.0]
    assert scan_service_uses(tmp_path) is None


def test_the_engine_values_a_customers_redemptions_at_their_agreed_price(book):
    from carecircle.value.engine.pipeline import compute, results

    frame = results(compute(scan_snapshot(book), ValueParams(as_of=AS_OF))).collect()
    got = dict(frame.select("customer_no", "services_value_3y").rows())
    # cents: two redemptions at ¥35.50; the unpriced contact keeps the ¥150 placeholder
    assert got == {"C10000001": 7100, "C10000002": 15000}
