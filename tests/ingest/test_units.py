"""Imports map each row's unit (机构): a ``unit_code`` column (or a 机构代码 header) names it; an
unknown code rejects the row with its number in the report, never a silent default; a blank
one takes the selling unit — a policy the agent's, else the partner's agreement's; a claim its
policy's; a customer its owner's; staff keep the unit they have — else the configured default
(head office unless ``CARECIRCLE["INGEST"]["DEFAULT_UNIT"]`` names another).

Runs on the row path (SQLite) and the set-based path (PostgreSQL) alike."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from carecircle.claims.models import Claim
from carecircle.core.models import OrgUnit, UnitLevel, User
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from carecircle.ingest.canonical import import_paths
from carecircle.parties.models import Customer, Team
from carecircle.policies.models import Policy
from tests.factories import (
    AgreementFactory,
    CustomerFactory,
    OrgUnitFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

POLICY_HEADER = [
    "policy_no", "kind", "customer_no", "vehicle_no", "effective_date", "expiry_date",
    "premium", "currency", "channel", "agent_username", "partner_code",
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def book():
    root = head_office()
    zj = OrgUnitFactory(code="33000000", name="浙江分公司", level=UnitLevel.PROVINCE, parent=root)
    hz = OrgUnitFactory(code="33010000", name="杭州中心支公司", level=UnitLevel.CITY, parent=zj)
    xihu = OrgUnitFactory(code="33010600", name="西湖支公司", parent=hz)
    binjiang = OrgUnitFactory(code="33010800", name="滨江支公司", parent=hz)
    agent = UserFactory(username="agent_x", role=Role.SALES_AGENT, unit=xihu)
    shop = PartnerFactory(code="FS0001")
    AgreementFactory(partner=shop, unit=hz, status="ended", starts_on=dt.date(2026, 1, 1))
    AgreementFactory(partner=shop, unit=binjiang, starts_on=dt.date(2025, 1, 1))  # active
    bare_shop = PartnerFactory(code="FS0002")  # no agreement
    customer = CustomerFactory(customer_no="C1")
    for n in range(1, 9):
        VehicleFactory(vehicle_no=f"V{n}", owner=customer)
    return {
        "root": root,
        "hz": hz,
        "xihu": xihu,
        "binjiang": binjiang,
        "agent": agent,
        "shop": shop,
        "bare_shop": bare_shop,
    }


def _policy(no: str, vehicle: str, channel="direct", agent="", partner="") -> list[str]:
    return [no, "commercial", "C1", vehicle, "2026-01-01", "2027-01-01", "2760.00", "CNY",
            channel, agent, partner]  # fmt: skip


def _unit_of(model, **key) -> str | None:
    row = model.objects.select_related("unit").get(**key)
    return row.unit.code if row.unit else None


def test_policy_units_come_from_the_column_else_the_seller_else_the_default(tmp_path, book):
    rows = [
        [*_policy("P1", "V1"), "33010800"],  # named
        [*_policy("P2", "V2"), "99999999"],  # unknown: rejected
        [*_policy("P3", "V3", "agent", agent="agent_x"), ""],  # the agent's unit
        [*_policy("P4", "V4", "four_s_shop", partner="FS0001"), ""],  # the active agreement's
        [*_policy("P5", "V5", "four_s_shop", partner="FS0002"), ""],  # no agreement: default
        [*_policy("P6", "V6"), ""],  # nobody sold it: default
        [*_policy("P7", "V7", "agent", agent="agent_x"), "33010000"],  # the column wins
        [*_policy("P8", "V8"), "  33010600 "],  # stripped as any reference
    ]
    path = write_csv(tmp_path / "policies.csv", [*POLICY_HEADER, "unit_code"], rows)
    result = import_paths([path], progress=False)
    errors = [(e.row, e.column, e.value, e.code) for t in result.tables for e in t.errors]
    assert errors == [(3, "unit_code", "99999999", "unknown_unit_code")]
    message = result.tables[0].errors[0].message
    assert message == "引用的unit不存在或已被拒 / no such unit: 99999999"
    assert result.counts()["policies"] == {
        "rows": 8,
        "inserted": 7,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    units = {p.policy_no: p.unit.code for p in Policy.objects.select_related("unit")}
    assert units == {
        "P1": "33010800",
        "P3": "33010600",
        "P4": "33010800",
        "P5": "00000000",
        "P6": "00000000",
        "P7": "33010000",
        "P8": "33010600",
    }
    report = (tmp_path / "policies.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()
    assert report[1].startswith("3,unit_code,99999999,unknown_unit_code,")


def test_a_file_without_the_column_uses_the_rule_for_every_row(tmp_path, book):
    rows = [_policy("P1", "V1", "agent", agent="agent_x"), _policy("P2", "V2")]
    path = write_csv(tmp_path / "policies.csv", POLICY_HEADER, rows)
    result = import_paths([path], progress=False)
    assert result.rejected == 0
    assert _unit_of(Policy, policy_no="P1") == "33010600"
    assert _unit_of(Policy, policy_no="P2") == "00000000"


def test_a_chinese_unit_header_is_read_as_unit_code(tmp_path, book):
    header = [*POLICY_HEADER, "机构代码"]
    rows = [[*_policy("P1", "V1"), "33010000"], [*_policy("P2", "V2"), "3301"]]
    result = import_paths([write_csv(tmp_path / "policies.csv", header, rows)], progress=False)
    errors = [(e.row, e.column, e.value, e.code) for t in result.tables for e in t.errors]
    assert errors == [(3, "unit_code", "3301", "unknown_unit_code")]
    assert _unit_of(Policy, policy_no="P1") == "33010000"


def test_the_configured_default_unit_takes_rows_nobody_sold(tmp_path, book):
    path = write_csv(tmp_path / "policies.csv", POLICY_HEADER, [_policy("P1", "V1")])
    with override_settings(CARECIRCLE={"INGEST": {"DEFAULT_UNIT": "33010000"}}):
        import_paths([path], progress=False)
    assert _unit_of(Policy, policy_no="P1") == "33010000"


def test_a_default_unit_that_does_not_exist_stops_the_import(tmp_path, book):
    path = write_csv(tmp_path / "policies.csv", POLICY_HEADER, [_policy("P1", "V1")])
    with (
        override_settings(CARECIRCLE={"INGEST": {"DEFAULT_UNIT": "12345678"}}),
        pytest.raises(ImproperlyConfigured, match="12345678"),
    ):
        import_paths([path], progress=False)
    assert not Policy.objects.exists()


CLAIM_HEADER = [
    "claim_no", "policy_no", "vehicle_no", "coverage", "accident_at", "reported_at",
    "amount_reserved", "amount_paid", "currency", "status",
]  # fmt: skip


def test_claim_units_come_from_the_column_else_the_policy(tmp_path, book):
    in_xihu = PolicyFactory(policy_no="PX", vehicle__vehicle_no="VX", unit=book["xihu"])
    no_unit = PolicyFactory(policy_no="PN", vehicle__vehicle_no="VN", unit=None)

    def claim(no, policy, vehicle, unit):
        return [no, policy, vehicle, "vehicle_damage", "2026-03-01 10:00", "2026-03-01 11:00",
                "1000", "0", "CNY", "reported", unit]  # fmt: skip

    rows = [
        claim("K1", "PX", "VX", ""),  # the policy's unit
        claim("K2", "PX", "VX", "33010800"),  # named
        claim("K3", "PX", "VX", "00000001"),  # unknown: rejected
        claim("K4", "PN", "VN", ""),  # a policy without a unit: the default
    ]
    path = write_csv(tmp_path / "claims.csv", [*CLAIM_HEADER, "unit_code"], rows)
    result = import_paths([path], progress=False)
    errors = [(e.row, e.column, e.code) for t in result.tables for e in t.errors]
    assert errors == [(4, "unit_code", "unknown_unit_code")]
    units = {c.claim_no: c.unit.code for c in Claim.objects.select_related("unit")}
    assert units == {"K1": "33010600", "K2": "33010800", "K4": "00000000"}
    assert in_xihu.pk and no_unit.pk


CUSTOMER_HEADER = ["customer_no", "kind", "name", "owner_username", "unit_code"]


def test_customer_units_come_from_the_column_else_the_owner(tmp_path, book):
    UserFactory(username="seat_nowhere", role=Role.SEAT, unit=None)
    rows = [
        ["C10", "person", "甲", "agent_x", ""],  # the owner's unit
        ["C11", "person", "乙", "agent_x", "33010800"],  # named
        ["C12", "person", "丙", "", "ABC"],  # unknown: rejected
        ["C13", "person", "丁", "", ""],  # no owner: default
        ["C14", "person", "戊", "seat_nowhere", ""],  # an owner with no unit: default
    ]
    path = write_csv(tmp_path / "customers.csv", CUSTOMER_HEADER, rows)
    result = import_paths([path], progress=False)
    errors = [(e.row, e.column, e.code) for t in result.tables for e in t.errors]
    assert errors == [(4, "unit_code", "unknown_unit_code")]
    units = {
        c.customer_no: c.unit.code
        for c in Customer.objects.filter(
            customer_no__startswith="C1", customer_no__gt="C1"
        ).select_related("unit")
    }
    assert units == {"C10": "33010600", "C11": "33010800", "C13": "00000000", "C14": "00000000"}


STAFF_HEADER = ["username", "role", "team", "team_kind", "unit_code"]


def test_staff_keep_their_unit_when_the_file_names_none_and_teams_sit_where_their_members_do(
    tmp_path, book
):
    UserFactory(username="moved", role=Role.SEAT, unit=book["binjiang"])
    rows = [
        ["moved", "seat", "电销01组", "telesales", ""],  # keeps 滨江 (a transfer stands)
        ["new_seat", "seat", "电销01组", "telesales", "33010600"],
        ["new_blank", "claims_handler", "", "", ""],  # new, no unit: the default
        ["bad", "seat", "", "", "33XX"],  # unknown: rejected
    ]
    path = write_csv(tmp_path / "staff.csv", STAFF_HEADER, rows)
    result = import_paths([path], progress=False)
    errors = [(e.row, e.column, e.code) for t in result.tables for e in t.errors]
    assert errors == [(5, "unit_code", "unknown_unit_code")]
    assert _unit_of(User, username="moved") == "33010800"
    assert _unit_of(User, username="new_seat") == "33010600"
    assert _unit_of(User, username="new_blank") == "00000000"
    assert not User.objects.filter(username="bad").exists()
    # 滨江 and 西湖 are both under 杭州: the team sits at the 中心支公司.
    assert Team.objects.select_related("unit").get(name="电销01组").unit.code == "33010000"


def test_the_org_units_table_loads_the_tree_and_reports_bad_rows(tmp_path):
    head_office()
    rows = [
        ["44000000", "广东分公司", "province", "00000000"],
        ["44010000", "广州中心支公司", "city", "44000000"],
        ["44010600", "天河支公司", "sub", "44010000"],
        ["44019900", "错层支公司", "province", "44010000"],
    ]
    path = write_csv(tmp_path / "org_units.csv", ["code", "name", "level", "parent_code"], rows)
    result = import_paths([path], progress=False)
    table = result.tables[0]
    assert table.table == "org_units"
    assert (table.rows, table.inserted, table.rejected) == (4, 3, 1)
    assert [(e.row, e.value, e.code) for e in table.errors] == [(5, "44019900", "org_unit")]
    assert OrgUnit.objects.get(code="44010600").path == "/00000000/44000000/44010000/44010600/"
    again = import_paths([path], progress=False).tables[0]
    assert (again.inserted, again.unchanged, again.rejected) == (0, 3, 1)


def test_the_rule_looks_units_up_in_chunks_for_large_files(tmp_path, book, monkeypatch):
    monkeypatch.setattr("carecircle.ingest.units.CHUNK", 2)
    for n in range(5):
        PolicyFactory(policy_no=f"PC{n}", vehicle__vehicle_no=f"VC{n}", unit=book["xihu"])
    rows = [
        [f"K{n}", f"PC{n}", f"VC{n}", "vehicle_damage", "2026-03-01 10:00", "2026-03-01 11:00",
         "1000", "0", "CNY", "reported"]
        for n in range(5)
    ]  # fmt: skip
    result = import_paths([write_csv(tmp_path / "claims.csv", CLAIM_HEADER, rows)], progress=False)
    assert result.rejected == 0
    assert set(Claim.objects.values_list("unit__code", flat=True)) == {"33010600"}
