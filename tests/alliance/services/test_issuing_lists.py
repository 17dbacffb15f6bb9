"""Lists that act (#16): a listed customer gets no discretionary voucher (issued by hand:
goodwill, complaint recovery, a renewal gift) and the refusal names the list entry; the
tier's entitlements (what the policy year includes) stay."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.alliance import services
from carecircle.alliance.models import Voucher
from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.roles import Role
from carecircle.value.models import CustomerValue, ValueRun
from tests.factories import CustomerListFlagFactory, PolicyFactory, UserFactory
from tests.factories.alliance import ItemFactory, PackageFactory, ProductFactory

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def today():
    with clock.frozen_at(TODAY):
        yield


def test_a_listed_customer_gets_no_discretionary_voucher_naming_the_entry():
    wash = ProductFactory()
    manager = UserFactory(role=Role.SERVICE_MANAGER)
    flag = CustomerListFlagFactory(kind="grey", entry_id=4321)
    with pytest.raises(DomainError) as refused:
        services.issue_manual(flag.customer, wash, acting_user=manager, reason="投诉补偿")
    assert (refused.value.code, refused.value.status) == ("listed", 409)
    assert refused.value.message.startswith(
        "名单客户不发放酌情服务券 / no discretionary voucher for a listed customer — "
        "灰名单 #4321 / grey list entry #4321："
    )
    assert Voucher.objects.count() == 0


def test_a_listed_customers_entitlements_stay():
    wash = ProductFactory()
    gold = PackageFactory(code="GOLD", min_tier="gold")
    ItemFactory(package=gold, product=wash, quantity=2)
    policy = PolicyFactory(effective_date=dt.date(2026, 3, 1), expiry_date=dt.date(2027, 3, 1))
    run = ValueRun.objects.create(as_of=dt.date(2026, 3, 1), status="succeeded", is_current=True)
    CustomerValue.objects.create(
        run=run,
        customer=policy.customer,
        tenure_years=Decimal("3.0"),
        loss_ratio_credible=Decimal("0.6"),
        renewal_probability=Decimal("0.8"),
        value_percentile=Decimal("0.1"),
        rule_tier="gold",
        tier="gold",
        reasons="",
    )
    CustomerListFlagFactory(customer=policy.customer, kind="black")
    assert len(services.issue_for_policy(policy)) == 2
