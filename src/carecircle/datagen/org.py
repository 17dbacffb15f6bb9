"""The insurer's organisation tree (机构) for the synthetic book, and who sits where.

The book is national (the 47 cities of ``reference.CITIES`` in 31 provinces), so the tree
follows its geography the way a national motor insurer's does — motor business is written
where the vehicle is (属地经营):

- 总公司 ``00000000``;
- one 分公司 per province, ``PP000000`` (``33000000`` 浙江分公司);
- one 中心支公司 per prefecture-level city, ``CCCC0000`` (``33010000`` 杭州中心支公司); the four
  municipalities have none — their 支公司 sit directly under the 分公司, as they do in practice;
- one 支公司 per district, ``DDDDDD00`` from the district's GB/T 2260 code (``33010600``
  西湖支公司); a city that is a single district has a 营业部 instead.

Staff: seats, agents and claims handlers each get a *home city*, the list split over the cities
by the cities' weights (largest remainder), so a city's customers are sold and serviced by its
own people wherever there are enough of them. Seats and agents sit in a 支公司 of their home
city (round robin over its districts), claims handlers at the 中心支公司 (the 分公司 in a
municipality) — claims are handled for the whole city. A team sits at the deepest unit holding
all its members (its leader with it); the service manager and the manager at head office.

Everything is a pure function of the city table and the staff list sizes, so a seed always gives
the same tree and the same placements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .reference import CITIES

HEAD_OFFICE = ("00000000", "总公司")
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def _province_short(name: str) -> str:
    for suffix in _PROVINCE_SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _district_short(name: str) -> str:
    for suffix in ("新区", "区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


@dataclass(frozen=True)
class Tree:
    """The units (parents before children) and, per city and per district of
    ``reference.CITIES``, the code of the unit that holds it."""

    units: pl.DataFrame  # code, name, level, parent_code, province, city
    city_unit: tuple[str, ...]  # per city: its 中心支公司 (the 分公司 in a municipality)
    district_unit: tuple[str, ...]  # per district (in CITIES order): its 支公司
    city_first_district: np.ndarray
    city_districts: np.ndarray


def _build_tree() -> Tree:
    rows: list[tuple[str, str, str, str | None, str, str]] = [
        (HEAD_OFFICE[0], HEAD_OFFICE[1], "head", None, "", "")
    ]
    provinces: dict[str, str] = {}
    city_unit: list[str] = []
    district_unit: list[str] = []
    firsts, counts = [], []
    for city in CITIES:
        province_code = f"{city.code[:2]}000000"
        if city.province not in provinces:
            provinces[city.province] = province_code
            rows.append(
                (
                    province_code,
                    f"{_province_short(city.province)}分公司",
                    "province",
                    HEAD_OFFICE[0],
                    city.province,
                    "",
                )
            )
        municipality = city.province == city.name
        short = city.name.removesuffix("市")
        if municipality:
            parent = province_code
        else:
            parent = f"{city.code}0000"
            rows.append(
                (parent, f"{short}中心支公司", "city", province_code, city.province, city.name)
            )
        city_unit.append(parent)
        firsts.append(len(district_unit))
        counts.append(len(city.districts))
        for district, code in city.districts:
            if district == city.name:  # a city without districts (东莞): its 营业部
                sub_code, name = f"{city.code}0100", f"{short}营业部"
            else:
                sub_code, name = f"{code}00", f"{_district_short(district)}支公司"
            rows.append((sub_code, name, "sub", parent, city.province, city.name))
            district_unit.append(sub_code)
    units = pl.DataFrame(
        rows,
        schema={
            "code": pl.String,
            "name": pl.String,
            "level": pl.String,
            "parent_code": pl.String,
            "province": pl.String,
            "city": pl.String,
        },
        orient="row",
    )
    return Tree(units, tuple(city_unit), tuple(district_unit), np.array(firsts), np.array(counts))


TREE = _build_tree()
CODES: tuple[str, ...] = tuple(TREE.units["code"])  # a unit's index is its position here
INDEX: dict[str, int] = {code: i for i, code in enumerate(CODES)}
DISTRICT_UNIT = np.array([INDEX[c] for c in TREE.district_unit])  # per district: unit index
_CITY_P = np.array([c.weight for c in CITIES]) / sum(c.weight for c in CITIES)


@dataclass(frozen=True)
class Home:
    """Where each member of one staff list (seats, agents or claims handlers) lives:
    ``city[i]`` is member i's home city; the members of city c are the slice
    ``offsets[c]:offsets[c] + counts[c]`` (the list is split in city order)."""

    city: np.ndarray
    offsets: np.ndarray
    counts: np.ndarray

    def local(self, drawn: np.ndarray, city: np.ndarray) -> np.ndarray:
        """A member index drawn uniformly from the whole list, moved to the same position
        among the members of ``city`` — the same random draw, a local person; a city with
        nobody keeps the drawn member (a small book has fewer people than cities)."""
        count = self.counts[city]
        local = self.offsets[city] + drawn % np.maximum(count, 1)
        return np.where(count > 0, local, drawn)


def homes(n: int) -> Home:
    """Split ``n`` people over the cities by weight (largest remainder; deterministic)."""
    quota = n * _CITY_P
    counts = np.floor(quota).astype(np.int64)
    short = n - int(counts.sum())
    if short:
        order = np.lexsort((np.arange(len(CITIES)), -(quota - counts)))
        counts[order[:short]] += 1
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return Home(np.repeat(np.arange(len(CITIES)), counts), offsets, counts)


def seller_units(home: Home) -> list[str]:
    """A seat's or agent's 支公司: its home city's districts in turn."""
    rank = np.arange(len(home.city)) - home.offsets[home.city]
    district = TREE.city_first_district[home.city] + rank % TREE.city_districts[home.city]
    return [TREE.district_unit[d] for d in district]


def city_units(home: Home) -> list[str]:
    """A claims handler's unit: the 中心支公司 of its home city (the 分公司 in a municipality)."""
    return [TREE.city_unit[c] for c in home.city]


def _paths() -> dict[str, str]:
    parent = dict(TREE.units.select("code", "parent_code").iter_rows())
    paths: dict[str, str] = {}
    for code in TREE.units["code"]:
        up = parent[code]
        paths[code] = (paths[up] if up else "/") + f"{code}/"
    return paths


PATHS = _paths()


def common_unit(codes: list[str]) -> str:
    """The deepest unit holding every one of ``codes`` (a team's unit)."""
    chains = [PATHS[c].strip("/").split("/") for c in codes]
    shared = chains[0]
    for chain in chains[1:]:
        depth = 0
        while depth < min(len(shared), len(chain)) and shared[depth] == chain[depth]:
            depth += 1
        shared = shared[:depth]
    return shared[-1]
