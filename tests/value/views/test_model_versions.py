"""Model versions and relativity charts for actuaries: exact figures, access, bounded list."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carecircle.core.roles import Role
from carecircle.value.ml import FactorSpec, RenewalSpec, RiskSpec, fit_renewal_model
from carecircle.value.ml.fitted import fit_risk_model
from carecircle.value.services.model_versions import store_model_version
from tests.factories import UserFactory
from tests.value.synthetic import poisson_book, renewal_book

pytestmark = pytest.mark.django_db
SPEC = RenewalSpec(
    factors=(FactorSpec("premium_change", bins=4), FactorSpec("channel", kind="categorical"))
)
RISK_SPEC = RiskSpec(
    factors=(FactorSpec("age_band", kind="categorical"), FactorSpec("fuel", kind="categorical")),
    severity_factors=(FactorSpec("fuel", kind="categorical"),),
)


@pytest.fixture
def stored():
    fitted = fit_renewal_model(renewal_book(rows=2_000), SPEC)
    return fitted, store_model_version(fitted, name="synthetic")


@pytest.fixture
def stored_risk():
    fitted = fit_risk_model(poisson_book(rows=6_000), RISK_SPEC)
    return fitted, store_model_version(fitted, name="synthetic-risk")


def as_user(client, role, **extra):
    user = UserFactory(role=role, **extra)
    client.force_login(user)
    return client


class RelativityTables(HTMLParser):
    """``{"part:factor": [(level, shown relativity, is base), ...]}`` from the detail page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, str, bool]]] = {}
        self._factor: str | None = None
        self._row: dict[str, object] | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "data-factor" in a:
            self._factor = a["data-factor"]
            self.tables[self._factor] = []
        elif tag == "tr" and self._factor and "data-level" in a:
            self._row = {"level": a["data-level"], "base": "data-base" in a, "rel": ""}
        elif tag == "td" and self._row is not None:
            self._cell = "rel"

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "tr" and self._row is not None and self._factor:
            row = self._row
            self.tables[self._factor].append(
                (str(row["level"]), str(row["rel"]).strip(), bool(row["base"]))
            )
            self._row = None
        elif tag == "section":
            self._factor = None

    def handle_data(self, data):
        if self._row is not None and self._cell == "rel":
            self._row["rel"] = str(self._row["rel"]) + data


def shown_tables(html: str) -> dict[str, list[tuple[str, str, bool]]]:
    parser = RelativityTables()
    parser.feed(html)
    return parser.tables


def expected_tables(fitted) -> dict[str, list[tuple[str, str, bool]]]:
    return {
        f"{part}:{factor}": [
            (str(r["level"]), floatformat(r["relativity"], 3), i == 0) for i, r in enumerate(rows)
        ]
        for part, factors in fitted.relativities().items()
        for factor, rows in factors.items()
    }


def test_the_list_shows_each_version_without_loading_coefficients(client, stored, stored_risk):
    _, version = stored
    _, risk = stored_risk
    as_user(client, Role.MANAGER)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("value:models")).content.decode()
    assert len(queries) <= 6
    model_selects = [q["sql"] for q in queries if '"value_modelversion"' in q["sql"]]
    assert model_selects and all('"coefficients"' not in sql for sql in model_selects)
    for shown in (version, risk):
        assert f'data-model="{shown.pk}"' in html
        assert f'href="{reverse("value:model_detail", args=[shown.pk])}">v{shown.version}<' in html
        assert shown.training_data_hash[:12] in html
        assert f">{shown.training_rows}<" in html
    assert "synthetic-risk" in html
    # both are the active version of their kind
    assert html.count('data-active="yes"') == 2
    # key metrics, as the fit recorded them
    renewal_rate = version.metrics["train_renewal_rate"]
    assert f"train_renewal_rate = {renewal_rate}" in html
    assert f"train_poisson_deviance = {risk.metrics['train_poisson_deviance']}" in html


def test_a_newer_fit_takes_over_the_active_flag_in_the_list(client, stored):
    fitted, first = stored
    second = store_model_version(fitted, name="refit")
    as_user(client, Role.MANAGER)
    html = client.get(reverse("value:models")).content.decode()
    row = html.split(f'data-model="{first.pk}"')[1].split("</tr>")[0]
    assert 'data-active="no"' in row
    row = html.split(f'data-model="{second.pk}"')[1].split("</tr>")[0]
    assert 'data-active="yes"' in row


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
    # one chart container per factor, each beside its table
    for chart in charts:
        assert f'id="{chart["id"]}" class="chart"' in html


def test_the_tables_beside_the_charts_show_every_level_and_relativity_base_first(client, stored):
    fitted, version = stored
    as_user(client, Role.MANAGER)
    html = client.get(reverse("value:model_detail", args=[version.pk])).content.decode()
    tables = shown_tables(html)
    assert tables == expected_tables(fitted)
    for rows in tables.values():
        assert rows[0][1:] == ("1.000", True)  # the base level, marked
        assert [r for r in rows if r[2]] == [rows[0]]
    assert "基准 / base" in html
    assert "train_renewal_rate" in html and str(version.metrics["train_renewal_rate"]) in html
    assert version.training_data_hash in html


def test_a_risk_model_charts_frequency_then_severity(client, stored_risk):
    fitted, version = stored_risk
    as_user(client, Role.MANAGER)
    response = client.get(reverse("value:model_detail", args=[version.pk]))
    charts = response.context["charts"]
    assert [(c["part"], c["factor"]) for c in charts] == [
        ("frequency", "age_band"),
        ("frequency", "fuel"),
        ("severity", "fuel"),
    ]
    html = response.content.decode()
    assert shown_tables(html) == expected_tables(fitted)
    assert "频率 / frequency" in html and "案均 / severity" in html
    assert "train_poisson_deviance" in html


def test_a_superuser_without_a_role_may_read_the_models(client, stored):
    _, version = stored
    as_user(client, Role.CUSTOMER, is_superuser=True)
    assert client.get(reverse("value:models")).status_code == 200
    assert client.get(reverse("value:model_detail", args=[version.pk])).status_code == 200


def test_the_value_subnav_links_to_the_models(client, stored):
    as_user(client, Role.MANAGER)
    html = client.get(reverse("desk:portfolio")).content.decode()
    assert f'href="{reverse("value:models")}"' in html
    assert "模型与相对系数 / Models and relativities" in html


@pytest.mark.parametrize("role", [Role.SEAT, Role.CUSTOMER, Role.MERCHANT_USER])
def test_others_are_refused(client, stored, role):
    _, version = stored
    as_user(client, role)
    assert client.get(reverse("value:models")).status_code == 403
    assert client.get(reverse("value:model_detail", args=[version.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, stored):
    _, version = stored
    for url in (reverse("value:models"), reverse("value:model_detail", args=[version.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_an_unknown_version_is_404(client, stored):
    as_user(client, Role.MANAGER)
    assert client.get(reverse("value:model_detail", args=[999_999])).status_code == 404
