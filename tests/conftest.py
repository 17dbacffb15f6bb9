import os
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client, override_settings

from carecircle.core import workdays
from carecircle.core.models import ApiToken
from carecircle.core.roles import Role
from tests.factories import (
    CustomerFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)

os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(scope="session", autouse=True)
def _data_dir_per_worker(tmp_path_factory):
    """Files the code writes under the data directory (uploaded claim documents in media/,
    value snapshots, import reports) go to a folder of this test process, not ./var: two
    pytest-xdist workers never share a path, and a test run leaves the developer's data alone.
    Tests that need a folder of their own still set ``settings.DATA_DIR = tmp_path``."""
    data = tmp_path_factory.mktemp("data")
    # override_settings sends setting_changed, so default_storage forgets a cached location.
    override = override_settings(DATA_DIR=data, MEDIA_ROOT=data / "media")
    override.enable()
    yield data
    override.disable()


@pytest.fixture(autouse=True)
def _seeded_rows_survive_a_flush(request):
    """A transactional test (browser, concurrency) ends with a flush that empties every table,
    including the rows data migrations seed (claims' default approval authority and fast-track
    rule, the shipped holiday schedules). Seed them again after such a test, so no later test
    depends on running first."""
    yield
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        seed_claims_defaults = import_module(
            "carecircle.claims.migrations.0005_default_authority_and_fast_track"
        ).seed
        seed_claims_defaults(apps, None)
        import_module("carecircle.core.migrations.0005_load_shipped_holiday_schedules").load(
            apps, None
        )
        workdays.invalidate()  # the work calendar cached from the flushed rows


@pytest.fixture
def datasets_dir() -> Path:
    if not (DATASETS / "fremotor1prem.parquet").exists():
        pytest.skip("../shared/datasets is absent")
    return DATASETS


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER)


@pytest.fixture
def seat(db):
    return UserFactory(username="seat", role=Role.SEAT)


@pytest.fixture
def login(client):
    """``login(user)`` → the test client logged in as ``user``."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_as(db):
    """A test client authenticated as ``user`` through a bearer token (the systems' way in)."""

    def _as(user) -> Client:
        _, raw = ApiToken.issue(user, "tests")
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return _as


@pytest.fixture
def book(db):
    """The API tests' book: two seats' customers and one customer a 4S shop referred; a partner
    user of that shop. (Packages with a ``book`` of their own override this one.)"""
    seat = UserFactory(username="seat", role=Role.SEAT)
    other_seat = UserFactory(username="seat2", role=Role.SEAT)
    manager = UserFactory(username="manager", role=Role.MANAGER)
    shop = PartnerFactory()
    partner_user = UserFactory(username="shop", role=Role.PARTNER_USER, partner=shop)
    mine = CustomerFactory(owner=seat, city="杭州")
    theirs = CustomerFactory(owner=other_seat, city="宁波")
    referred = CustomerFactory(city="杭州")
    PolicyFactory(vehicle=VehicleFactory(owner=mine))
    PolicyFactory(vehicle=VehicleFactory(owner=theirs))
    PolicyFactory(vehicle=VehicleFactory(owner=referred), partner=shop, channel="four_s_shop")
    return {
        "seat": seat,
        "other_seat": other_seat,
        "manager": manager,
        "partner_user": partner_user,
        "shop": shop,
        "mine": mine,
        "theirs": theirs,
        "referred": referred,
    }


# Browser fixtures for every test package (tests/browser, tests/web): one Chromium per session.
from tests.playwright_fixtures import browser, page  # noqa: E402, F401
