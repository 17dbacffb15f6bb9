"""Partners (4S shops, repair shops, used-car dealers, intermediaries, merchants, life insurers)
and staff (seats, sales agents, team leaders, claims staff, partner users), sized to the book.

``PartyIndex`` lets chunk workers pick a partner in a customer's city, or a staff member, by
index without carrying the tables around.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import frames
from .identifiers import usccs
from .names import person_names
from .org import HEAD_OFFICE, INDEX, Home, city_units, common_unit, homes, seller_units
from .reference import BRANDS, CITIES, COMPANY_WORDS

MERCHANT_SERVICES = ("洗车", "保养", "轮胎", "停车", "道路救援", "美容")
LIFE_INSURERS = ("安康人寿", "福泰人寿", "长青人寿", "华安人寿", "瑞祥人寿", "永宁人寿")
TEAM_SIZE = 12


@dataclass(frozen=True)
class KindIndex:
    codes: tuple[str, ...]
    city_offsets: np.ndarray  # partners of city c are codes[offsets[c]:offsets[c+1]]

    def pick(self, rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
        start = self.city_offsets[city]
        count = self.city_offsets[city + 1] - start
        return start + (rng.random(len(city)) * count).astype(np.int64)


@dataclass(frozen=True)
class PartyIndex:
    four_s: KindIndex  # one shop per (city, brand): code index = city × len(BRANDS) + brand
    repair: KindIndex
    dealer: KindIndex
    intermediary: KindIndex
    merchant: KindIndex
    agents: tuple[str, ...]
    seats: tuple[str, ...]
    claims_handlers: tuple[str, ...]
    agent_home: Home  # each agent's home city (datagen.org): customers get a local one
    seat_home: Home
    staff_unit: dict[str, int]  # seat or agent username → its unit (index into org.CODES)
    staff_city: dict[str, int]  # seat or agent username → its home city (index into CITIES)

    def local_agents(self, drawn: np.ndarray, city: np.ndarray) -> np.ndarray:
        return self.agent_home.local(drawn, city)

    def local_seats(self, drawn: np.ndarray, city: np.ndarray) -> np.ndarray:
        return self.seat_home.local(drawn, city)


def _per_city(customers: int, per: int, minimum: int) -> np.ndarray:
    weights = np.array([c.weight for c in CITIES])
    share = weights / weights.sum()
    return np.maximum(minimum, np.rint(customers * share / per)).astype(np.int64)


def _short(city: str) -> str:
    return city.removesuffix("市")


def build_partners(customers: int, seed: int) -> tuple[pl.DataFrame, PartyIndex]:
    rng = np.random.default_rng([seed, 10**6])
    rows: dict[str, list[str | None]] = {
        k: [] for k in ("code", "name", "kind", "brand", "city", "address", "region")
    }

    def add(code, name, kind, brand, city_index):
        city = CITIES[city_index]
        district, region = city.districts[int(rng.integers(0, len(city.districts)))]
        road = ("人民路", "建设路", "中山路", "迎宾大道", "工业大道")[int(rng.integers(0, 5))]
        rows["code"].append(code)
        rows["name"].append(name)
        rows["kind"].append(kind)
        rows["brand"].append(brand)
        rows["city"].append(city.name)
        place = city.name if city.province == city.name else city.province + city.name
        rows["address"].append(f"{place}{district}{road}{rng.integers(1, 999)}号")
        rows["region"].append(region)

    indexes: dict[str, KindIndex] = {}
    word = lambda: COMPANY_WORDS[int(rng.integers(0, len(COMPANY_WORDS)))]  # noqa: E731
    fs_codes = []
    for c, city in enumerate(CITIES):
        for b, brand in enumerate(BRANDS):
            code = f"FS{c:02d}{b:02d}"
            fs_codes.append(code)
            add(
                code,
                f"{_short(city.name)}{word()}{brand}汽车销售服务有限公司",
                "four_s_shop",
                brand,
                c,
            )
    offsets = np.arange(len(CITIES) + 1) * len(BRANDS)
    indexes["four_s"] = KindIndex(tuple(fs_codes), offsets)
    specs = (
        ("repair", "RS", "repair_shop", 4_000, 2, "汽车维修有限公司"),
        ("dealer", "UD", "used_car_dealer", 10_000, 1, "二手车经纪有限公司"),
        ("intermediary", "IM", "intermediary", 25_000, 1, "保险代理有限公司"),
        ("merchant", "MC", "merchant", 4_000, 3, ""),
    )
    for key, prefix, kind, per, minimum, suffix in specs:
        counts = _per_city(customers, per, minimum)
        codes: list[str] = []
        for c, city in enumerate(CITIES):
            for _ in range(int(counts[c])):
                code = f"{prefix}{len(codes) + 1:05d}"
                codes.append(code)
                if kind == "merchant":
                    service = MERCHANT_SERVICES[int(rng.integers(0, len(MERCHANT_SERVICES)))]
                    name = f"{_short(city.name)}{word()}{service}服务中心"
                else:
                    name = f"{_short(city.name)}{word()}{suffix}"
                add(code, name, kind, None, c)
        indexes[key] = KindIndex(tuple(codes), np.concatenate([[0], np.cumsum(counts)]))
    for i, insurer in enumerate(LIFE_INSURERS):
        add(f"LI{i + 1:05d}", f"{insurer}保险股份有限公司", "life_insurer", None, i % 4)
    n = len(rows["code"])
    region = np.array([int(r) for r in rows.pop("region")])  # type: ignore[arg-type]
    columns = {k: pl.Series(v, dtype=pl.String) for k, v in rows.items()}
    columns["uscc"] = usccs(region, np.arange(n) + 700_000_000_000)
    _staff, names = _staff_usernames(customers)
    agent_home, seat_home = homes(len(names["agent"])), homes(len(names["seat"]))
    sellers = (*names["agent"], *names["seat"])
    placed = staff_units(customers)
    staff_unit = {u: INDEX[placed[u]] for u in sellers}
    staff_city = dict(
        zip(sellers, np.concatenate([agent_home.city, seat_home.city]).tolist(), strict=True)
    )
    index = PartyIndex(
        four_s=indexes["four_s"],
        repair=indexes["repair"],
        dealer=indexes["dealer"],
        intermediary=indexes["intermediary"],
        merchant=indexes["merchant"],
        agents=names["agent"],
        seats=names["seat"],
        claims_handlers=names["claims"],
        agent_home=agent_home,
        seat_home=seat_home,
        staff_unit=staff_unit,
        staff_city=staff_city,
    )
    return frames.table("partners", columns), index


def _staff_usernames(customers: int) -> tuple[None, dict[str, tuple[str, ...]]]:
    sizes = {
        "seat": max(6, customers // 2_500),
        "agent": max(10, customers // 800),
        "claims": max(3, customers // 5_000),
    }
    names = {
        "seat": tuple(f"seat{i + 1:05d}" for i in range(sizes["seat"])),
        "agent": tuple(f"agent{i + 1:05d}" for i in range(sizes["agent"])),
        "claims": tuple(f"claims{i + 1:04d}" for i in range(sizes["claims"])),
    }
    return None, names


def staff_units(customers: int) -> dict[str, str]:
    """Each seat's, agent's and claims handler's unit (datagen.org)."""
    _, names = _staff_usernames(customers)
    units: dict[str, str] = {}
    for key, place in (("seat", seller_units), ("agent", seller_units), ("claims", city_units)):
        units |= dict(zip(names[key], place(homes(len(names[key]))), strict=True))
    return units


def build_staff(customers: int, seed: int, partners: pl.DataFrame) -> pl.DataFrame:
    """Insurer staff in teams of twelve with a leader each, plus one user per 4S shop and
    merchant (partner and merchant users). Each insurer staff member has a unit: seats and
    agents a 支公司 of their home city, claims handlers its 中心支公司, a team and its leader the
    deepest unit holding all its members, the service manager and the manager head office."""
    rng = np.random.default_rng([seed, 10**6 + 1])
    _, names = _staff_usernames(customers)
    placed = staff_units(customers)
    cols: dict[str, list[str | None]] = {
        k: [] for k in ("username", "role", "team", "team_kind", "employee_no", "licence_no")
    }
    cols["partner_code"] = []
    cols["unit_code"] = []

    def add(username, role, team, team_kind, licensed, partner=None, unit=None):
        cols["username"].append(username)
        cols["role"].append(role)
        cols["team"].append(team)
        cols["team_kind"].append(team_kind)
        insurer = partner is None
        cols["employee_no"].append(f"E{len(cols['username']):06d}" if insurer else None)
        licence = f"0200014403008000{2020 + len(cols['username']) % 6}{len(cols['username']):06d}"
        cols["licence_no"].append(licence if licensed else None)
        cols["partner_code"].append(partner)
        cols["unit_code"].append(unit)

    groups = (
        ("seat", "seat", "电销", "telesales", True),
        ("agent", "sales_agent", "代理人", "agents", True),
        ("claims", "claims_handler", "理赔", "claims", False),
    )
    for key, role, label, kind, licensed in groups:
        for t in range(0, len(names[key]), TEAM_SIZE):
            team = f"{label}{t // TEAM_SIZE + 1:02d}组"
            lead_role = "claims_approver" if key == "claims" else "manager"
            members = names[key][t : t + TEAM_SIZE]
            unit = common_unit([placed[m] for m in members])
            add(f"lead_{key}{t // TEAM_SIZE + 1:03d}", lead_role, team, kind, licensed, None, unit)
            for username in members:
                add(username, role, team, kind, licensed, None, placed[username])
    add("service_manager01", "service_manager", "客服中心", "service", False, None, HEAD_OFFICE[0])
    add("manager01", "manager", "管理层", "management", False, None, HEAD_OFFICE[0])
    for code, kind in partners.select("code", "kind").iter_rows():
        if kind in ("four_s_shop", "merchant"):
            role = "partner_user" if kind == "four_s_shop" else "merchant_user"
            add(f"p_{code.lower()}", role, None, None, False, code)
    n = len(cols["username"])
    male = rng.random(n) < 0.55
    columns = {k: pl.Series(v, dtype=pl.String) for k, v in cols.items()}
    columns["display_name"] = person_names(rng, male)
    return frames.table("staff", columns)
