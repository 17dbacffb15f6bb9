"""The unit filter (机构, ``core.unit_scope``): it only ever narrows what ``restrict`` already
allows, a unit outside the user's subtree is a 404, and "by unit" rolls rows up to the units
directly below the one shown."""

import pytest

from carecircle.core.roles import Role
from carecircle.core.unit_scope import NO_UNIT, UnitOutsideScope, unit_scope
from carecircle.policies.models import Policy
from tests.factories import PolicyFactory, UserFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return build_tree()


def test_for_every_user_unit_and_every_unit_asked_for_the_filter_only_narrows(tree):
    """Exhaustively over the tree: a unit inside the user's subtree narrows their rows to that
    unit's subtree; any other unit is refused; nothing a user could not see ever appears."""
    units = [tree.head, tree.province, tree.city_a, tree.a1, tree.city_b, tree.b1]
    policies = {u.code: PolicyFactory(unit=u).pk for u in units}
    policies["none"] = PolicyFactory().pk
    for mine in units:
        user = UserFactory(username=f"m-{mine.code}", role=Role.MANAGER, unit=mine)
        allowed = set(Policy.objects.restrict(user).values_list("pk", flat=True))
        for asked in units:
            if not asked.path.startswith(mine.path):
                with pytest.raises(UnitOutsideScope):
                    unit_scope(user, asked.code)
                continue
            scope = unit_scope(user, asked.code)
            seen = set(scope.narrow(Policy.objects.restrict(user)).values_list("pk", flat=True))
            expected = {policies[u.code] for u in units if u.path.startswith(asked.path)}
            assert seen == expected and seen <= allowed, (mine.code, asked.code)


def test_an_unknown_code_is_refused_and_staff_with_no_unit_have_nothing_to_choose(tree):
    hq = UserFactory(username="hq", role=Role.MANAGER)
    with pytest.raises(UnitOutsideScope):
        unit_scope(hq, "99999999")
    nowhere = UserFactory(username="nowhere", role=Role.MANAGER, unit=None)
    assert unit_scope(nowhere).units == []
    with pytest.raises(UnitOutsideScope):
        unit_scope(nowhere, tree.a1.code)
    shop = UserFactory(username="shop", role=Role.PARTNER_USER)
    assert unit_scope(shop).units == [] and not unit_scope(shop).show_select


def test_the_select_lists_the_users_subtree_and_hides_when_there_is_one_unit(tree):
    city_a = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    assert [u.code for u in unit_scope(city_a).units] == ["33010000", "33010100"]
    a1 = UserFactory(username="mgr-a1", role=Role.MANAGER, unit=tree.a1)
    assert not unit_scope(a1).show_select


def test_rows_roll_up_to_the_units_directly_below_the_one_shown(tree):
    hq = UserFactory(username="hq", role=Role.MANAGER)
    scope = unit_scope(hq, tree.province.code)
    rows = [(tree.a1.pk, 1), (tree.city_a.pk, 2), (tree.b1.pk, 4), (tree.province.pk, 8)]
    rolled = scope.rollup(rows)
    assert rolled == {"33010000": [1, 2], "33020000": [4], "33000000": [8]}
    assert sorted(rolled, key=scope.group_order) == ["33000000", "33010000", "33020000"]
    assert scope.group_label("33000000") == "浙江分公司(本级) / 浙江分公司 itself"
    assert scope.group_label("33020000") == "宁波中心支公司"
    whole = unit_scope(hq)
    assert whole.rollup([(None, 1), (tree.b1.pk, 2)]) == {NO_UNIT: [1], "33000000": [2]}
    assert whole.group_label(NO_UNIT) == "未分配机构 / No unit"
