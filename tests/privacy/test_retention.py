"""The retention schedule: each record kind past its period is anonymised (the row kept), in
batches, once; a dry run changes nothing; every run is recorded and audited with its counts.
Business day: Monday 2 March 2026."""

import datetime as dt
import io
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from carecircle.core import clock
from carecircle.core.models import AuditLog
from carecircle.notify.models import Message
from carecircle.parties.models import Customer
from carecircle.privacy import rules
from carecircle.privacy.choices import ExportStatus, RequestKind
from carecircle.privacy.models import DataExport, RetentionRun
from carecircle.privacy.services import requests, retention
from carecircle.renewals.models import Contact
from carecircle.touchpoints.models import Complaint, ComplaintEvent, Interaction, Referral
from tests.factories import (
    SH,
    ComplaintEventFactory,
    ComplaintFactory,
    ContactFactory,
    CustomerFactory,
    InteractionFactory,
    MessageFactory,
    PolicyFactory,
    ReferralFactory,
    VehicleFactory,
)

TODAY = dt.date(2026, 3, 2)
ZERO = dict.fromkeys(retention.KINDS, 0)


def at(day: dt.date, hour: int = 23) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=SH)


@pytest.fixture
def book(world):
    """One row just past each period and one just inside it."""
    rows = {
        "call_old": ContactFactory(
            at=at(dt.date(2021, 3, 2)), recording_ref="REC-1", note="说了地址"
        ),
        "call_new": ContactFactory(at=at(dt.date(2021, 3, 3), 0), recording_ref="REC-2"),
        "mkt_old": MessageFactory(
            purpose="marketing", created_at=at(dt.date(2024, 3, 2)), address_masked="138****0001"
        ),
        "mkt_new": MessageFactory(purpose="marketing", created_at=at(dt.date(2024, 3, 3), 0)),
        "svc_old": MessageFactory(purpose="service", created_at=at(dt.date(2020, 1, 1))),
        "int_old": InteractionFactory(occurred_at=at(dt.date(2023, 3, 2))),
        "int_new": InteractionFactory(occurred_at=at(dt.date(2023, 3, 3), 0)),
        "lead_lost": ReferralFactory(
            recorded_at=at(dt.date(2025, 3, 2)), status="lost", referred_phone_masked="139****0002"
        ),
        "lead_won": ReferralFactory(recorded_at=at(dt.date(2024, 1, 1)), status="won"),
        "lead_new": ReferralFactory(recorded_at=at(dt.date(2025, 3, 3), 0)),
        "cmp_old": ComplaintFactory(
            status="closed",
            details="他住在文三路 / lives on Wensan Rd",
            resolution="道歉 / apologised",
            received_at=at(dt.date(2023, 1, 5)),
            closed_at=at(dt.date(2023, 3, 2)),
        ),
        "cmp_new": ComplaintFactory(
            status="closed",
            received_at=at(dt.date(2023, 1, 5)),
            closed_at=at(dt.date(2023, 3, 3), 0),
        ),
        "cmp_open": ComplaintFactory(received_at=at(dt.date(2020, 1, 5))),
    }
    ComplaintEventFactory(complaint=rows["cmp_old"], note="客户电话 138… / the customer's phone")
    prospect, fresh_prospect = CustomerFactory(name="潜客"), CustomerFactory(name="新潜客")
    Customer.objects.filter(pk=prospect.pk).update(updated_at=at(dt.date(2024, 3, 2)))
    Customer.objects.filter(pk=fresh_prospect.pk).update(updated_at=at(dt.date(2024, 3, 3), 0))
    former = CustomerFactory(name="老客户")  # one-year policy ended 2 Mar 2021: 5 years ago
    PolicyFactory(
        vehicle=VehicleFactory(owner=former),
        effective_date=dt.date(2020, 3, 2),
        expiry_date=dt.date(2021, 3, 2),
    )
    recent = CustomerFactory(name="近客户")  # ended 3 Mar 2021: kept one more day
    PolicyFactory(
        vehicle=VehicleFactory(owner=recent),
        effective_date=dt.date(2020, 3, 3),
        expiry_date=dt.date(2021, 3, 3),
    )
    long_term = CustomerFactory(name="长期客户")  # a 3-year contract: 10 years
    PolicyFactory(
        vehicle=VehicleFactory(owner=long_term),
        effective_date=dt.date(2018, 3, 2),
        expiry_date=dt.date(2021, 3, 2),
    )
    rows |= {
        "prospect": prospect,
        "fresh_prospect": fresh_prospect,
        "former": former,
        "recent": recent,
        "long_term": long_term,
    }
    return rows


EXPECTED = {
    "call_recordings": 1,
    "marketing_messages": 1,
    "interactions": 1,
    "unconverted_leads": 1,
    "prospects": 1,
    "closed_complaints": 1,
    "data_exports": 0,
    "former_customers": 1,
}


def test_each_kind_past_its_period_is_anonymised_and_the_rest_left_alone(book):
    result = retention.run(TODAY)
    assert result == {"as_of": "2026-03-02", "dry_run": False, "counts": EXPECTED}

    old, new = (Contact.objects.get(pk=book[k].pk) for k in ("call_old", "call_new"))
    assert (old.recording_ref, old.note, old.outcome) == ("", "", "quoted")
    assert new.recording_ref == "REC-2"

    m = Message.objects.get(pk=book["mkt_old"].pk)
    assert (m.subject, m.body, m.address_masked, m.context) == ("", "", "", {})
    assert Message.objects.get(pk=book["mkt_new"].pk).body == "测试消息 / a test message"
    assert Message.objects.get(pk=book["svc_old"].pk).body == "测试消息 / a test message"

    assert Interaction.objects.get(pk=book["int_old"].pk).summary == ""
    assert Interaction.objects.get(pk=book["int_new"].pk).summary == "续保提醒 / renewal reminder"

    lost = Referral.objects.get(pk=book["lead_lost"].pk)
    assert (lost.referred_name, lost.referred_phone_masked) == ("已匿名", "")
    assert Referral.objects.get(pk=book["lead_won"].pk).referred_name != "已匿名"
    assert Referral.objects.get(pk=book["lead_new"].pk).referred_name != "已匿名"

    c = Complaint.objects.get(pk=book["cmp_old"].pk)
    assert (c.summary, c.details, c.resolution, c.category) == ("已匿名", "", "", "speed")
    assert ComplaintEvent.objects.get(complaint=c).note == ""
    assert Complaint.objects.get(pk=book["cmp_new"].pk).summary == "理赔太慢 / the claim is slow"
    assert Complaint.objects.get(pk=book["cmp_open"].pk).summary == "理赔太慢 / the claim is slow"

    names = dict(
        Customer.objects.filter(
            pk__in=[
                book[k].pk for k in ("prospect", "fresh_prospect", "former", "recent", "long_term")
            ]
        ).values_list("pk", "name")
    )
    assert [
        names[book[k].pk] for k in ("prospect", "fresh_prospect", "former", "recent", "long_term")
    ] == [
        "已匿名",
        "新潜客",
        "已匿名",
        "近客户",
        "长期客户",
    ]
    former = Customer.objects.get(pk=book["former"].pk)
    assert former.policies.count() == 1  # the policy row is kept, pointing at the anonymous row
    assert (former.phone_hash, former.id_number_masked) == ("", "")


def test_a_second_run_changes_nothing(book):
    retention.run(TODAY)
    assert retention.run(TODAY)["counts"] == ZERO


def test_a_dry_run_counts_what_a_run_would_change_and_changes_nothing(book):
    assert retention.run(TODAY, dry_run=True)["counts"] == EXPECTED
    assert Interaction.objects.get(pk=book["int_old"].pk).summary == "续保提醒 / renewal reminder"
    assert Customer.objects.get(pk=book["former"].pk).name == "老客户"
    assert not AuditLog.objects.filter(object_type="privacy.retentionrun").exists()
    assert retention.run(TODAY)["counts"] == EXPECTED


def test_the_run_is_recorded_and_audited_with_its_counts(book):
    retention.run(TODAY)
    run = RetentionRun.objects.get()
    assert (run.as_of, run.dry_run, run.counts) == (TODAY, False, EXPECTED)
    entry = AuditLog.objects.get(object_type="privacy.retentionrun")
    assert entry.changes == {"counts": EXPECTED, "as_of": "2026-03-02"}
    assert entry.summary.startswith("retention: call_recordings 1, marketing_messages 1")
    # Each anonymised customer has its own audit row.
    assert (
        AuditLog.objects.filter(
            object_type="parties.customer", summary__startswith="anonymised:"
        ).count()
        == 2
    )


def test_rows_are_changed_in_batches_until_none_is_left(world, settings):
    settings.CARECIRCLE = {"PRIVACY": {"BATCH_SIZE": 2}}
    for _ in range(5):
        InteractionFactory(occurred_at=at(dt.date(2020, 1, 1)))
    assert retention.run(TODAY)["counts"]["interactions"] == 5
    assert set(Interaction.objects.values_list("summary", flat=True)) == {""}


def test_a_deployment_sets_its_own_period_for_one_kind(world, settings):
    settings.CARECIRCLE = {"PRIVACY": {"RETENTION": {"interactions": {"days": 30}}}}
    InteractionFactory(occurred_at=at(dt.date(2026, 1, 31)))  # 30 days before 2 March
    InteractionFactory(occurred_at=at(dt.date(2026, 2, 1)))
    assert retention.run(TODAY)["counts"] | {} == ZERO | {"interactions": 1}


def test_an_export_past_its_days_loses_its_file(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = requests.submit(
            world["alice"], acting_user=world["alice_login"], kind=RequestKind.EXPORT
        )
    export = DataExport.objects.get(request=r)
    name = export.file_name
    assert default_storage.exists(name)
    assert retention.run(TODAY + dt.timedelta(days=6))["counts"]["data_exports"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        counts = retention.run(TODAY + dt.timedelta(days=7))["counts"]
    # The run's "now" is the business clock (2 March); the file expires at 9 March 10:00.
    assert counts["data_exports"] == 0
    with clock.frozen_at(export.expires_at), django_capture_on_commit_callbacks(execute=True):
        assert retention.run(TODAY + dt.timedelta(days=7))["counts"]["data_exports"] == 1
    export.refresh_from_db()
    assert (export.status, export.file_name) == (ExportStatus.EXPIRED, "")
    assert not default_storage.exists(name)


def test_a_restricted_customer_is_anonymised_when_the_law_stops_keeping_the_records(world):
    alice = world["alice"]
    PolicyFactory(
        vehicle=VehicleFactory(owner=alice),
        effective_date=dt.date(2025, 6, 1),
        expiry_date=dt.date(2026, 6, 1),
    )
    Customer.objects.filter(pk=alice.pk).update(restricted_at=at(dt.date(2026, 3, 2), 10))
    assert retention.run(dt.date(2031, 5, 31))["counts"]["former_customers"] == 0
    assert retention.run(dt.date(2031, 6, 1))["counts"]["former_customers"] == 1
    alice.refresh_from_db()
    assert alice.name == "已匿名"


def test_the_command_prints_the_counts_as_json(book):
    out = io.StringIO()
    call_command("privacy", "retention", "--dry-run", "--json", "--today", "2026-03-02", stdout=out)
    assert json.loads(out.getvalue()) == {
        "as_of": "2026-03-02",
        "dry_run": True,
        "counts": EXPECTED,
    }
    out = io.StringIO()
    call_command("privacy", "retention", "--today", "2026-03-02", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "保存期限 / retention as of 2026-03-02: 已执行 / done"
    assert lines[1].split() == ["call_recordings", "1"]


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    occurred=st.lists(
        st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 12, 31)),
        min_size=1,
        max_size=6,
    ),
    today=st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2031, 12, 31)),
    years=st.integers(1, 6),
)
def test_an_interaction_is_cleared_exactly_when_its_local_date_is_past_the_period(
    world, settings, occurred, today, years
):
    # (The interactions' customers are prospects; anonymising one would clear its summaries.)
    periods = {"interactions": {"years": years}, "prospects": {"years": 90}}
    settings.CARECIRCLE = {"PRIVACY": {"RETENTION": periods}}
    rows = [InteractionFactory(occurred_at=o.replace(tzinfo=SH)) for o in occurred]
    try:
        counts = retention.run(today)["counts"]
        expected = [rules.is_past(o.date(), {"years": years}, today) for o in occurred]
        cleared = [Interaction.objects.get(pk=r.pk).summary == "" for r in rows]
        assert cleared == expected, (occurred, today, years)
        assert counts["interactions"] == sum(expected)
        assert retention.run(today)["counts"]["interactions"] == 0
    finally:
        Interaction.objects.filter(pk__in=[r.pk for r in rows]).delete()


def test_the_nightly_job_applies_the_schedule_escalates_late_requests_and_requeues_exports(
    world, django_capture_on_commit_callbacks
):
    late = requests.submit(
        world["alice"],
        acting_user=world["alice_login"],
        kind="correction",
        details="地址 / address",
    )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("privacy", "nightly", "--today", "2026-03-24", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["escalated"], result["exports_queued"], result["as_of"]) == (1, 0, "2026-03-24")
    late.refresh_from_db()
    assert late.escalated_to == world["sm_a"]
