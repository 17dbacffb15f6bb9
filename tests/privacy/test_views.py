"""The phone page (tier in plain words, the four requests, answers, the copy) and the service
manager's queue, through the test client."""

import datetime as dt
from decimal import Decimal

import pytest

from carecircle.core import clock
from carecircle.privacy.models import DataExport, PrivacyRequest
from carecircle.privacy.services import requests
from tests.factories import (
    CustomerValueFactory,
    FastTrackRuleFactory,
    ItemFactory,
    PackageFactory,
    ProductFactory,
    TierHistoryFactory,
)

from .conftest import NOW


@pytest.fixture
def valued(world):
    alice = world["alice"]
    CustomerValueFactory(
        customer=alice,
        tier="gold",
        reasons="tenure,loss_ratio,lifetime_value",
        tenure_years=Decimal("8.0"),
        loss_ratio_3y=Decimal("0.3512"),
        lifetime_value=Decimal("12400"),
        value_percentile=Decimal("0.12"),
    )
    TierHistoryFactory(customer=alice, tier="gold", as_of=dt.date(2026, 3, 1))
    wash = ProductFactory(code="fine_wash", name="精致洗车 / car wash")
    ItemFactory(package=PackageFactory(code="GOLD", min_tier="gold"), product=wash, quantity=4)
    ItemFactory(
        package=PackageFactory(code="DIAMOND", min_tier="diamond"),
        product=ProductFactory(code="driver", name="代驾 / designated driver"),
    )
    FastTrackRuleFactory(max_amount=Decimal("5000"), tier_max_amounts={"gold": "8000"})
    return world


def test_the_customer_reads_their_tier_and_why_in_plain_words_without_internal_figures(
    valued, client
):
    client.force_login(valued["alice_login"])
    page = client.get("/privacy/my/").content.decode()
    assert 'data-tier="gold">黄金 / Gold</p>' in page
    assert "自 2026-03-01 起 / since 2026-03-01" in page
    assert '<li data-reason="tenure">您在我们这里投保8年 / 8 years with us</li>' in page
    assert "我们看了您近三年的理赔情况" in page
    # What the tier changes: gold's services, not diamond's; the fast track's public limit.
    assert "精致洗车 / car wash × 4" in page
    assert "代驾" not in page
    assert "金额不超过¥8,000的小额理赔可走快赔" in page
    assert "始终在监管核定的范围之内" in page
    # No internal figure: no loss ratio, lifetime value, percentile.
    for figure in ("35%", "12,400", "前12%", "赔付率", "终身价值", "0.3512"):
        assert figure not in page


def test_a_customer_not_yet_valued_is_told_so(world, client):
    client.force_login(world["alice_login"])
    assert (
        "您的等级尚未评定 / Your tier has not been set yet"
        in client.get("/privacy/my/").content.decode()
    )


def test_the_page_is_for_customers_only(world, client):
    assert client.get("/privacy/my/").status_code == 302  # to the login page
    client.force_login(world["sm_a"])
    assert client.get("/privacy/my/").status_code == 403


def test_a_customer_files_a_review_from_the_page_and_reads_the_answer_there(world, client):
    client.force_login(world["alice_login"])
    response = client.post(
        "/privacy/my/request/", {"kind": "review", "subject": "tier", "details": "请复核"}
    )
    r = PrivacyRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/privacy/my/?filed={r.pk}#request-{r.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'data-filed="{r.pk}"' in page
    assert "2026-03-02 受理，2026-03-23 前答复" in page
    requests.answer(
        r, acting_user=world["sm_a"], decision="granted", text="已调整为黄金 / now gold"
    )
    page = client.get("/privacy/my/").content.decode()
    assert '<p class="answer" data-answer>已调整为黄金 / now gold</p>' in page


def test_a_correction_without_words_is_refused_on_the_page(world, client):
    client.force_login(world["alice_login"])
    assert (
        client.post("/privacy/my/request/", {"kind": "correction", "details": ""}).status_code
        == 400
    )
    assert (
        client.post("/privacy/my/request/", {"kind": "deletion"}).status_code == 400
    )  # no confirm
    assert PrivacyRequest.objects.count() == 0


def test_the_customer_downloads_the_copy_and_no_one_else_does(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world["alice_login"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/privacy/my/request/", {"kind": "export"})
    export = DataExport.objects.get()
    page = client.get("/privacy/my/").content.decode()
    assert f'href="/privacy/my/exports/{export.pk}/"' in page
    response = client.get(f"/privacy/my/exports/{export.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert (
        response["Content-Disposition"] == 'attachment; filename="carecircle-my-data-20260302.zip"'
    )
    assert response.content[:2] == b"PK"
    client.force_login(world["bob_login"])
    assert client.get(f"/privacy/my/exports/{export.pk}/").status_code == 404
    client.force_login(world["sm_a"])
    assert client.get(f"/privacy/my/exports/{export.pk}/").status_code == 403


def test_the_queue_shows_each_service_manager_their_units_requests_late_ones_in_red(world, client):
    mine = requests.submit(
        world["alice"], acting_user=world["alice_login"], kind="correction", details="x"
    )
    theirs = requests.submit(
        world["bob"], acting_user=world["bob_login"], kind="correction", details="y"
    )
    client.force_login(world["sm_a"])
    page = client.get("/privacy/queue/").content.decode()
    assert f'id="row-{mine.pk}"' in page and f'id="row-{theirs.pk}"' not in page
    assert 'class="late"' not in page
    with clock.frozen_at(NOW + dt.timedelta(days=22)):  # Tuesday 24 March: one day late
        page = client.get("/privacy/queue/?status=overdue").content.decode()
        assert (
            f'<tr id="row-{mine.pk}" data-kind="correction" data-status="open" class="late">'
            in page
        )
        assert "已超时 / Late (1)" in page
    client.force_login(world["boss"])  # head office sees both
    page = client.get("/privacy/queue/").content.decode()
    assert f'id="row-{mine.pk}"' in page and f'id="row-{theirs.pk}"' in page
    client.force_login(world["seat_a"])
    assert client.get("/privacy/queue/").status_code == 403


def test_a_service_manager_answers_from_the_request_page_only_in_their_unit(world, client):
    r = requests.submit(
        world["alice"], acting_user=world["alice_login"], kind="review", subject="list"
    )
    client.force_login(world["sm_b"])
    assert client.get(f"/privacy/requests/{r.pk}/").status_code == 404
    client.force_login(world["sm_a"])
    assert "张三" in client.get(f"/privacy/requests/{r.pk}/").content.decode()
    response = client.post(
        f"/privacy/requests/{r.pk}/",
        {"decision": "refused", "answer": "名单由人工决定，维持 / kept"},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.decision, r.answered_by) == ("answered", "refused", world["sm_a"])


def test_the_menu_offers_the_page_to_customers_and_the_queue_to_service_managers(world, client):
    client.force_login(world["alice_login"])
    assert 'href="/privacy/my/"' in client.get("/").content.decode()
    client.force_login(world["sm_a"])
    home = client.get("/").content.decode()
    assert 'href="/privacy/queue/"' in home and 'href="/privacy/my/"' not in home
