"""parties.consent: the ledger is append-only, the state follows the latest event, checks
answer now or at a past moment, restriction stops marketing and sharing, and who may record
what from which source."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from carecircle.core import clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Role
from carecircle.parties import consent
from carecircle.parties.demo import seed
from carecircle.parties.models import Customer
from carecircle.parties.models_consent import AppendOnly, Consent, ConsentEvent
from tests.factories import SH, CustomerFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def system_grant(customer, purpose="marketing", **scope):
    scope.setdefault("channel", "sms" if purpose == "marketing" else "")
    return consent.grant(customer, purpose, source="import", acting_user=None, **scope)


def system_withdraw(customer, purpose="marketing", **scope):
    scope.setdefault("channel", "sms" if purpose == "marketing" else "")
    return consent.withdraw(customer, purpose, source="import", acting_user=None, **scope)


def test_a_withdrawal_is_a_new_event_and_the_state_follows_the_latest():
    customer = CustomerFactory()
    with clock.frozen_at(T0):
        first = system_grant(customer)
    with clock.frozen_at(T0 + dt.timedelta(days=3)):
        second = system_withdraw(customer)
    assert [e.action for e in consent.history(customer)] == ["withdraw", "grant"]
    state = Consent.objects.get(customer=customer, key="marketing:sms")
    assert (state.granted, state.granted_at, state.withdrawn_at) == (
        False,
        first.at,
        second.at,
    )
    assert consent.allows(customer, "marketing", "sms") is False


def test_events_cannot_be_changed_or_deleted():
    event = system_grant(CustomerFactory())
    event.source = "paper_form"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        ConsentEvent.objects.filter(pk=event.pk).update(action="withdraw")
    with pytest.raises(AppendOnly):
        ConsentEvent.objects.filter(pk=event.pk).delete()
    assert ConsentEvent.objects.get(pk=event.pk).action == "grant"


def test_a_repeated_grant_or_a_withdrawal_of_nothing_records_nothing():
    customer = CustomerFactory()
    assert system_withdraw(customer) is None  # never granted: nothing to withdraw
    assert system_grant(customer) is not None
    assert system_grant(customer) is None  # a double click
    assert ConsentEvent.objects.filter(customer=customer).count() == 1
    assert AuditLog.objects.filter(object_type="parties.consentevent").count() == 1


def test_a_grant_under_a_new_wording_is_recorded_again():
    customer = CustomerFactory()
    consent.grant(
        customer, "marketing", channel="sms", source="import", acting_user=None,
        wording="marketing-legacy",
    )  # fmt: skip
    assert system_grant(customer) is not None  # marketing-v1 now
    assert Consent.objects.get(customer=customer, key="marketing:sms").wording == "marketing-v1"


def test_allows_at_a_past_moment_reads_the_history():
    customer = CustomerFactory()
    paper = T0 - dt.timedelta(days=30)
    consent.grant(customer, "automated", source="import", acting_user=None, at=paper)
    assert consent.allows(customer, "automated", at=paper - dt.timedelta(seconds=1)) is False
    assert consent.allows(customer, "automated", at=paper) is True
    assert consent.allows(customer, "automated") is True


def test_a_backdated_paper_form_does_not_override_a_later_withdrawal():
    customer = CustomerFactory()
    with clock.frozen_at(T0):
        system_withdraw(customer)  # nothing yet: no event
        system_grant(customer)
    with clock.frozen_at(T0 + dt.timedelta(days=10)):
        system_withdraw(customer)
        # A paper form signed on day 5, filed on day 10: history, not the current state.
        consent.grant(
            customer, "marketing", channel="sms", source="import", acting_user=None,
            at=T0 + dt.timedelta(days=5),
        )  # fmt: skip
    assert consent.allows(customer, "marketing", "sms") is False
    assert consent.allows(customer, "marketing", "sms", at=T0 + dt.timedelta(days=6)) is True
    with pytest.raises(DomainError) as future:
        consent.grant(
            customer, "automated", source="import", acting_user=None,
            at=clock.now() + dt.timedelta(days=1),
        )  # fmt: skip
    assert future.value.code == "consent_at"


def test_the_flag_on_the_customer_is_a_cache_of_the_marketing_channels():
    customer = CustomerFactory()
    with clock.frozen_at(T0):
        system_grant(customer, channel="email")
    with clock.frozen_at(T0 + dt.timedelta(hours=1)):
        system_grant(customer, channel="wechat")
    customer.refresh_from_db()
    assert (customer.marketing_consent, customer.marketing_consent_at) == (
        True,
        T0 + dt.timedelta(hours=1),
    )
    system_withdraw(customer, channel="wechat")
    customer.refresh_from_db()
    assert (customer.marketing_consent, customer.marketing_consent_at) == (True, T0)
    system_withdraw(customer, channel="email")
    customer.refresh_from_db()
    assert (customer.marketing_consent, customer.marketing_consent_at) == (False, None)


def test_restriction_stops_marketing_and_sharing_but_not_automated_decisions():
    customer = CustomerFactory()
    shop = PartnerFactory(kind="repair_shop")
    with clock.frozen_at(T0):
        system_grant(customer)
        system_grant(customer, "sharing", partner=shop, use="repair")
        system_grant(customer, "automated")
    Customer.objects.filter(pk=customer.pk).update(restricted_at=T0 + dt.timedelta(days=1))
    customer.refresh_from_db()
    assert consent.allows(customer, "marketing", "sms") is False
    assert consent.allows(customer, "sharing", partner=shop, use="repair") is False
    assert consent.allows(customer, "automated") is True
    # Before the restriction the history still says yes (what was done then was allowed).
    assert consent.allows(customer, "marketing", "sms", at=T0 + dt.timedelta(hours=1)) is True
    with pytest.raises(DomainError) as refused:
        system_grant(customer, channel="phone")
    assert (refused.value.code, refused.value.status) == ("restricted", 409)
    assert system_withdraw(customer) is not None  # withdrawing always works


def test_the_scope_must_fit_the_purpose():
    customer = CustomerFactory()
    shop = PartnerFactory()
    cases = [
        ({"purpose": "marketing"}, "consent_channel"),
        ({"purpose": "marketing", "channel": "letter"}, "consent_channel"),
        ({"purpose": "sharing", "partner": shop}, "consent_partner"),
        ({"purpose": "sharing", "use": "repair"}, "consent_partner"),
        ({"purpose": "automated", "channel": "sms"}, "consent_scope"),
        ({"purpose": "profiling"}, "consent_purpose"),
    ]
    codes = []
    for kwargs, _ in cases:
        purpose = kwargs.pop("purpose")
        with pytest.raises(DomainError) as refused:
            consent.grant(customer, purpose, source="import", acting_user=None, **kwargs)
        codes.append(refused.value.code)
    assert codes == [code for _, code in cases]


def test_who_records_from_which_source():
    unit_customer = CustomerFactory()
    own = UserFactory(role=Role.CUSTOMER, customer=unit_customer)
    seat = UserFactory(role=Role.SEAT)  # owns no customer
    owner = UserFactory(role=Role.SEAT)
    Customer.objects.filter(pk=unit_customer.pk).update(owner=owner)
    partner_user = UserFactory(role=Role.PARTNER_USER, partner=PartnerFactory())

    def attempt(user, source):
        try:
            consent.grant(unit_customer, "automated", source=source, acting_user=user)
        except DomainError as exc:
            return exc.code
        except PermissionDenied:
            return "denied"
        system_withdraw(unit_customer, "automated")
        return "ok"

    assert attempt(own, "phone_page") == "ok"
    assert attempt(own, "paper_form") == "consent_source"
    assert attempt(owner, "call_recording") == "ok"
    assert attempt(owner, "phone_page") == "consent_source"
    assert attempt(seat, "call_recording") == "denied"  # not their customer
    assert attempt(partner_user, "paper_form") == "denied"
    assert attempt(None, "import") == "ok"
    assert attempt(None, "phone_page") == "denied"


def test_backfill_records_each_marketing_channel_once_for_the_flagged_customers():
    flagged, plain, recorded = CustomerFactory(), CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk__in=[flagged.pk, recorded.pk]).update(marketing_consent=True)
    system_grant(recorded, channel="phone")
    done = consent.backfill_marketing([flagged.pk, plain.pk, recorded.pk])
    assert done == 1
    assert sorted(
        Consent.objects.filter(customer=flagged, granted=True).values_list("key", flat=True)
    ) == ["marketing:email", "marketing:phone", "marketing:sms", "marketing:wechat"]
    assert not Consent.objects.filter(customer=plain).exists()
    assert list(Consent.objects.filter(customer=recorded).values_list("key", flat=True)) == [
        "marketing:phone"
    ]
    assert consent.backfill_marketing([flagged.pk]) == 0  # idempotent


class TestCustomersAllowingAgreesWithAllows(HypothesisTestCase):
    """The bulk filter (one EXISTS) and the one-customer check give the same answer, for any
    mix of grants, withdrawals and restrictions."""

    @settings(max_examples=25, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["grant", "withdraw"]),
                st.sampled_from(["phone", "sms", "wechat", "email"]),
                st.integers(0, 3),
            ),
            max_size=12,
        ),
        st.sets(st.integers(0, 3)),
        st.sampled_from([None, "phone", "sms"]),
    )
    def test_bulk_equals_one_by_one(self, actions, restricted, channel):
        people = [CustomerFactory() for _ in range(4)]
        for action, ch, who in actions:
            (system_grant if action == "grant" else system_withdraw)(people[who], channel=ch)
        Customer.objects.filter(pk__in=[people[i].pk for i in restricted]).update(restricted_at=T0)
        ids = [p.pk for p in people]
        bulk = set(
            consent.customers_allowing(
                Customer.objects.filter(pk__in=ids), "marketing", channel
            ).values_list("pk", flat=True)
        )
        one_by_one = {
            p.pk
            for p in Customer.objects.filter(pk__in=ids)
            if consent.allows(p, "marketing", channel)
        }
        assert bulk == one_by_one


def test_the_set_based_backfill_for_a_bulk_load_matches_the_one_by_one_backfill():
    given = dt.datetime(2025, 1, 2, 3, 4, tzinfo=SH)
    flagged, plain, recorded = CustomerFactory(), CustomerFactory(), CustomerFactory()
    Customer.objects.filter(pk__in=[flagged.pk, recorded.pk]).update(
        marketing_consent=True, marketing_consent_at=given
    )
    system_grant(recorded, channel="phone")
    assert consent.backfill_flagged() == 1
    events = ConsentEvent.objects.filter(customer=flagged).order_by("channel")
    assert [(e.key, e.action, e.source, e.wording, e.at) for e in events] == [
        (f"marketing:{ch}", "grant", "import", "marketing-legacy", given)
        for ch in ("email", "phone", "sms", "wechat")
    ]
    assert consent.allows(flagged, "marketing", "wechat") is True
    assert not ConsentEvent.objects.filter(customer=plain).exists()
    assert ConsentEvent.objects.filter(customer=recorded).count() == 1
    assert consent.backfill_flagged() == 0  # idempotent


def test_the_demo_step_records_the_generated_books_flags_once():
    flagged = CustomerFactory()
    Customer.objects.filter(pk=flagged.pk).update(marketing_consent=True)
    out = StringIO()
    seed(out)
    seed(out)
    assert "consent recorded for 1 customers" in out.getvalue()
    assert "consent recorded for 0 customers" in out.getvalue()
    assert Consent.objects.filter(customer=flagged, granted=True).count() == 4
