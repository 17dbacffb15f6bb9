"""The report request stays small: the claim, its REPORT step, the audit row and the photos
are written in the request; screening (review flags, fast track) runs in a task after the
commit, once, and until it has run the customer sees "being checked"."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carecircle.claims import services
from carecircle.claims.models import Claim, ClaimFlag, ClaimTransition
from carecircle.claims.services import reporting
from carecircle.claims.tasks import screen_claim
from tests.factories.claims import at, committed, customer_user, policy_with_cover

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FORM = {
    "accident_at": "2026-03-02T08:30",
    "description": "停车场被剐蹭",
    "customer_estimate": "1800",
    "own_car": "on",
    "liability": "full",
}


def test_a_phone_report_costs_ten_statements_and_defers_screening_to_one_task(
    client, today, settings
):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    policy = policy_with_cover()
    client.force_login(customer_user(policy))
    with CaptureQueriesContext(connection) as ctx, committed():
        r = client.post("/claims/my/report/", {"vehicle": policy.vehicle_id, **FORM})
    assert r.status_code == 302
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    # session, user, the vehicle's policies; (savepoint) claim, the estimate's opening reserve
    # movement, REPORT step, audit (release); the task row after the commit.
    assert statements == [
        "SELECT", "SELECT", "SELECT", "SAVEPOINT", "INSERT", "INSERT", "INSERT", "INSERT",
        "RELEASE", "INSERT",
    ]  # fmt: skip
    claim = Claim.objects.get()
    assert (claim.status, claim.fast_track, claim.screened_at) == ("reported", False, None)
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["args"]) == (
        "carecircle.claims.tasks.screen_claim",
        [claim.pk],
    )
    page = client.get(f"/claims/my/{claim.pk}/").content.decode()
    assert "审核中" in page and "being checked" in page


def test_screening_puts_a_small_clear_claim_on_the_fast_track_once(today):
    policy = policy_with_cover()
    claim = services.report_claim(
        acting_user=customer_user(policy), policy=policy, accident_at=at(2, 8), channel="h5",
        customer_estimate="1800", single_vehicle=True, liability_clear=True,
    )  # fmt: skip
    assert claim.being_screened
    assert screen_claim.call(claim.pk) == "fast_track"
    claim.refresh_from_db()
    assert (claim.status, claim.fast_track, claim.survey_mode) == ("registered", True, "remote")
    steps = ClaimTransition.objects.filter(claim=claim).count()
    assert screen_claim.call(claim.pk) == "done"  # a doubled or retried task changes nothing
    again = Claim.objects.get(pk=claim.pk)
    assert (again.status, again.updated_at, again.screened_at) == (
        "registered",
        claim.updated_at,
        claim.screened_at,
    )
    assert ClaimTransition.objects.filter(claim=claim).count() == steps
    assert not again.being_screened


def test_screening_raises_each_flag_once_and_leaves_a_dispatched_claim_with_its_handler(today):
    import datetime as dt

    from tests.factories.claims import staff

    handler = staff()["handler"]
    policy = policy_with_cover(
        effective_date=dt.date(2026, 2, 20), expiry_date=dt.date(2027, 2, 20)
    )
    claim = services.report_claim(
        acting_user=handler, policy=policy, accident_at=at(1, 23), channel="phone",
        customer_estimate="1800", single_vehicle=True, liability_clear=True,
    )  # fmt: skip
    services.transition(claim, "dispatch", acting_user=handler)  # before the task ran
    assert services.screen(claim.pk) == "screened"
    assert services.screen(claim.pk) == "done"
    claim.refresh_from_db()
    assert (claim.status, claim.fast_track) == ("dispatched", False)
    assert sorted(ClaimFlag.objects.filter(claim=claim).values_list("code", flat=True)) == [
        "night_single_vehicle",
        "soon_after_inception",
    ]
    assert ClaimTransition.objects.filter(claim=claim, action="flag").count() == 2


def test_a_lost_screening_task_is_run_by_the_sweep_and_imported_claims_are_left_alone(today):
    import datetime as dt

    from carecircle.core import clock
    from tests.factories.claims import ClaimFactory

    policy = policy_with_cover()
    claim = services.report_claim(
        acting_user=customer_user(policy), policy=policy, accident_at=at(2, 8), channel="h5",
        customer_estimate="900", single_vehicle=True, liability_clear=True,
    )  # fmt: skip
    imported = ClaimFactory(policy=policy, status="reported")  # no report channel
    assert services.screen_pending() == 0  # younger than five minutes: its task may be queued
    with clock.frozen_at(today + dt.timedelta(minutes=6)):
        assert services.screen_pending() == 1
    claim.refresh_from_db()
    imported.refresh_from_db()
    assert (claim.status, claim.amount_reserved) == ("registered", D("900.00"))
    assert imported.screened_at is None and not imported.being_screened


def test_the_api_report_uses_the_same_service_and_enqueues_the_same_task(today, settings):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult
    from ninja.testing import TestClient

    from tests.claims.test_api import _api, bearer
    from tests.factories.claims import staff

    handler = staff()["handler"]
    policy = policy_with_cover()
    body = {"policy_id": policy.pk, "accident_at": "2026-03-02T08:00:00+08:00", "channel": "api"}
    with committed():
        r = TestClient(_api).post("/claims", json=body, headers=bearer(handler))
    assert r.status_code == 201, r.json()
    assert (r.json()["status"], r.json()["screened_at"]) == ("reported", None)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [r.json()["id"]]


def test_a_queue_that_is_down_does_not_fail_the_report_and_the_sweep_screens_it(today, monkeypatch):
    import datetime as dt

    from carecircle.core import clock

    def queue_down(claim_id):
        raise ConnectionError("queue unavailable")

    monkeypatch.setattr(reporting, "enqueue_screening", queue_down)
    policy = policy_with_cover()
    with committed():
        claim = services.report_claim(
            acting_user=customer_user(policy), policy=policy, accident_at=at(2, 8),
            channel="h5", customer_estimate="1800", single_vehicle=True, liability_clear=True,
        )  # fmt: skip
    assert Claim.objects.get(pk=claim.pk).being_screened
    with clock.frozen_at(today + dt.timedelta(minutes=10)):
        assert services.screen_pending() == 1
    assert Claim.objects.get(pk=claim.pk).status == "registered"
