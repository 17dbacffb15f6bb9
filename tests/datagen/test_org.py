"""The generated organisation tree (机构) and how the book is spread over it (datagen.org).

Rules: codes are the core system's 8 digits and levels go 总公司 → 分公司 → 中心支公司 →
支公司/营业部; every insurer staff member has a unit (seats and agents a 支公司 of their home
city, claims handlers its 中心支公司, a team the deepest unit holding its members, the manager
and the service manager head office); a policy's unit is its seller's (agent, seat), else
the 支公司 of the customer's district; a customer's unit is that of their latest policy; a claim's
that of its policy. The same seed gives the same placements (test_generated_book checks the
files byte for byte).
"""

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carecircle.datagen.config import GenerateOptions
from carecircle.datagen.org import PATHS, TREE, common_unit, homes
from carecircle.datagen.reference import CITIES
from carecircle.datagen.writer import generate, read_table

LEVEL_RANK = {"head": 0, "province": 1, "city": 2, "sub": 3}
SELLERS = ("sales_agent", "seat")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    generate(GenerateOptions(customers=3_000, seed=11), out)
    return out


def _t(book: Path, name: str) -> pl.DataFrame:
    return read_table(book, name).collect()


# -- the tree --


def test_the_tree_has_one_head_office_and_a_branch_per_province_city_and_district():
    units = TREE.units
    levels = dict(units.group_by("level").len().iter_rows())
    provinces = {c.province for c in CITIES}
    municipalities = {c.name for c in CITIES if c.name == c.province}
    assert levels == {
        "head": 1,
        "province": len(provinces),
        "city": len(CITIES) - len(municipalities),
        "sub": sum(len(c.districts) for c in CITIES),
    }
    assert units.filter(pl.col("level") == "head").row(0)[:2] == ("00000000", "总公司")
    assert units["code"].n_unique() == units.height
    assert units["code"].str.contains(r"^\d{8}$").all()


def test_codes_and_names_are_the_core_systems():
    names = dict(TREE.units.select("code", "name").iter_rows())
    assert names["33000000"] == "浙江分公司"
    assert names["33010000"] == "杭州中心支公司"
    assert names["33010600"] == "西湖支公司"
    assert names["11000000"] == "北京分公司"
    assert names["11010500"] == "朝阳支公司"  # a municipality's 支公司 under its 分公司
    assert names["44190100"] == "东莞营业部"  # a city without districts


def test_every_unit_sits_below_its_parents_level_and_after_it():
    seen: dict[str, str] = {}
    for code, level, parent in TREE.units.select("code", "level", "parent_code").iter_rows():
        if parent is None:
            assert level == "head"
        else:
            assert parent in seen, f"{code} comes before its parent {parent}"
            assert LEVEL_RANK[level] > LEVEL_RANK[seen[parent]]
        seen[code] = level
    assert PATHS["33010600"] == "/00000000/33000000/33010000/33010600/"


@given(st.integers(0, 5_000))
def test_staff_are_split_over_the_cities_by_weight_and_a_draw_stays_in_its_city(n):
    home = homes(n)
    assert home.counts.sum() == n
    assert len(home.city) == n
    weights = np.array([c.weight for c in CITIES])
    quota = n * weights / weights.sum()
    assert (np.abs(home.counts - quota) < 1).all()  # largest remainder: within one of the quota
    if n:
        drawn = np.arange(n)
        city = np.arange(n) % len(CITIES)
        local = home.local(drawn, city)
        has = home.counts[city] > 0
        assert (home.city[local[has]] == city[has]).all()
        assert (local[~has] == drawn[~has]).all()  # a city with nobody keeps the draw


def test_a_teams_unit_is_the_deepest_holding_all_its_members():
    assert common_unit(["33010600", "33010800"]) == "33010000"
    assert common_unit(["33010600", "33020300"]) == "33000000"
    assert common_unit(["33010600", "11010100"]) == "00000000"
    assert common_unit(["33010600"]) == "33010600"


# -- the book spread over it --


def test_every_insurer_staff_member_has_a_unit_of_the_right_level(book):
    staff = _t(book, "staff")
    level = dict(TREE.units.select("code", "level").iter_rows())
    insurer = staff.filter(pl.col("partner_code").is_null())
    assert insurer["unit_code"].null_count() == 0
    partners = staff.filter(pl.col("partner_code").is_not_null())
    assert partners["unit_code"].null_count() == partners.height  # partners are not staff
    by_role: dict[str, set[str]] = {}
    for role, unit in insurer.select("role", "unit_code").iter_rows():
        by_role.setdefault(role, set()).add(level[unit])
    assert by_role["seat"] == {"sub"}
    assert by_role["sales_agent"] == {"sub"}
    assert by_role["claims_handler"] <= {"city", "province"}  # 分公司 of a municipality
    units = dict(staff.select("username", "unit_code").iter_rows())
    assert units["manager01"] == units["service_manager01"] == "00000000"


def test_a_team_and_its_leader_sit_at_the_deepest_unit_holding_its_members(book):
    staff = _t(book, "staff").filter(pl.col("team").is_not_null())
    for _team, rows in staff.group_by("team"):
        leaders = rows.filter(pl.col("username").str.starts_with("lead_"))
        members = rows.filter(~pl.col("username").str.starts_with("lead_"))
        if members.height and leaders.height:
            assert leaders["unit_code"][0] == common_unit(members["unit_code"].to_list())


def test_a_policy_is_issued_in_the_customers_city_by_a_local_sellers_branch(book):
    policies = _t(book, "policies")
    staff = _t(book, "staff").select(
        pl.col("username").alias("agent_username"), pl.col("unit_code").alias("seller_unit")
    )
    city = dict(TREE.units.select("code", "city").iter_rows())
    customers = _t(book, "customers").select("customer_no", pl.col("city").alias("customer_city"))
    joined = (
        policies.join(staff, on="agent_username", how="left")
        .join(customers, on="customer_no", how="left")
        .with_columns(
            pl.col("unit_code").replace_strict(city).alias("unit_city"),
            pl.col("seller_unit").replace_strict(city, default=None).alias("seller_city"),
        )
    )
    assert policies["unit_code"].null_count() == 0
    # 属地: every policy is issued in the customer's own city
    assert (joined["unit_city"] == joined["customer_city"]).all()
    local = joined.filter(pl.col("seller_city") == pl.col("customer_city"))
    assert local.height > 1_000
    assert (local["unit_code"] == local["seller_unit"]).all()  # by the local seller's 支公司
    level = dict(TREE.units.select("code", "level").iter_rows())
    assert {level[c] for c in joined["unit_code"].unique()} == {"sub"}


def test_a_customer_sits_in_the_unit_of_their_latest_policy(book):
    latest = (
        _t(book, "policies")
        .sort("effective_date", "policy_no")
        .group_by("customer_no")
        .agg(pl.col("unit_code").last().alias("latest"))
    )
    customers = _t(book, "customers").join(latest, on="customer_no", how="left")
    assert customers["unit_code"].null_count() == 0
    assert (customers["unit_code"] == customers["latest"]).all()


def test_a_claim_sits_in_its_policys_unit(book):
    policies = _t(book, "policies").select("policy_no", pl.col("unit_code").alias("policy_unit"))
    claims = _t(book, "claims").join(policies, on="policy_no", how="left")
    assert claims.height and claims["unit_code"].null_count() == 0
    assert (claims["unit_code"] == claims["policy_unit"]).all()


def test_customers_are_owned_by_a_seller_of_their_own_city_where_the_city_has_one(book):
    staff = _t(book, "staff")
    unit_city = dict(TREE.units.select("code", "city").iter_rows())
    seller_city = {
        u: unit_city[c] for u, c in staff.select("username", "unit_code").iter_rows() if c
    }
    counts = {
        kind: homes(staff.filter(pl.col("role") == role).height).counts
        for kind, role in (("agent", "sales_agent"), ("seat", "seat"))
    }
    city_index = {c.name: i for i, c in enumerate(CITIES)}
    checked = 0
    for city, owner in _t(book, "customers").select("city", "owner_username").iter_rows():
        kind = "agent" if owner.startswith("agent") else "seat"
        if counts[kind][city_index[city]] > 0:
            assert seller_city[owner] == city, (owner, city)
            checked += 1
    assert checked > 1_000


def test_every_unit_code_the_book_uses_is_in_the_tree(book):
    codes = set(_t(book, "org_units")["code"])
    for table in ("staff", "customers", "policies", "claims"):
        used = set(_t(book, table)["unit_code"].drop_nulls())
        assert used <= codes, table
