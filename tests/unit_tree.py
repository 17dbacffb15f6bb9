"""A small organisation tree (机构) for the tests of units on new rows and of the unit filters:
head office → 浙江分公司 → 杭州 (city A) → 西湖营业部 (A1), and 宁波 (city B) → 海曙营业部 (B1)."""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.core.models import OrgUnit, UnitLevel
from carecircle.core.org import head_office
from tests.factories import OrgUnitFactory


@dataclass
class Tree:
    head: OrgUnit
    province: OrgUnit
    city_a: OrgUnit
    a1: OrgUnit
    city_b: OrgUnit
    b1: OrgUnit


def build_tree() -> Tree:
    head = head_office()
    province = OrgUnitFactory(
        code="33000000", name="浙江分公司", level=UnitLevel.PROVINCE, parent=head
    )
    city_a = OrgUnitFactory(
        code="33010000", name="杭州中心支公司", level=UnitLevel.CITY, parent=province
    )
    a1 = OrgUnitFactory(code="33010100", name="西湖营业部", parent=city_a)
    city_b = OrgUnitFactory(
        code="33020000", name="宁波中心支公司", level=UnitLevel.CITY, parent=province
    )
    b1 = OrgUnitFactory(code="33020100", name="海曙营业部", parent=city_b)
    return Tree(head, province, city_a, a1, city_b, b1)
