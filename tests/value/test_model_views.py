"""Model versions and relativity charts for actuaries: exact figures, access, bounded list."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.value.ml import FactorSpec, RenewalSpec, fit_renewal_model
from carecircle.value.services import store_model_version
from tests.factories import UserFactory

from .synthetic import renewal_book

pytestmark = pytest.mark.django_db
SPEC = RenewalSpec(
    factors=(FactorSpec("premium_change", bins=4), FactorSpec("channel", kind="categorical"))
)


@pytest.fixture
def stored():
    fitted = fit_renewal_model(renewal_book(rows=2_000), SPEC)
    return fitted, store_model_version(fitted, name="synthetic")


def as_user(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return client


def test_the_list_shows_each_version_without_loading_coefficients(
    client, stored, django_assert_max_num_queries
):
    _, version = stored
    as_user(client, Role.MANAGER)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("value:models")).content.decode()
    assert f'data-model="{version.pk}"' in html
    assert f"v{version.version}" in html and "synthetic" in html


def test_the_detail_charts_every_factor_with_the_models_own_relativities(client, stored):
    fitted, version = stored
    as_user(client, Role.SERVICE_MANAGER)
    response = client.get(reverse("value:model_detail", args=[version.pk]))
    assert response.status_code == 200
    charts = response.context["charts"]
    expected = fitted.relativities()
    # factors in the spec's order, whatever order the database gives the JSON keys back in
    assert [(c["part"], c["factor"]) for c in charts] == [
        ("renewal", "premium_change"),
        ("renewal", "channel"),
    ]
    assert set(expected) == {"renewal"}
    for chart in charts:
        rows = expected[chart["part"]][chart["factor"]]
        assert chart["levels"] == [str(r["level"]) for r in rows]
        assert chart["relativities"] == [round(float(r["relativity"]), 4) for r in rows]
        assert chart["relativities"][0] == 1.0  # the base level comes first
    html = response.content.decode()
    data = json.loads(
        html.split('id="model-charts" type="application/json">')[1].split("</script>")[0]
    )
    assert len(data) == len(charts)
    assert html.count('class="card factor"') == len(charts)


@pytest.mark.parametrize("role", [Role.SEAT, Role.CUSTOMER, Role.MERCHANT_USER])
def test_others_are_refused(client, stored, role):
    _, version = stored
    as_user(client, role)
    assert client.get(reverse("value:models")).status_code == 403
    assert client.get(reverse("value:model_detail", args=[version.pk])).status_code == 403


def test_an_unknown_version_is_404(client, stored):
    as_user(client, Role.MANAGER)
    assert client.get(reverse("value:model_detail", args=[999_999])).status_code == 404
