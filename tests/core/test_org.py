"""The organisation tree (机构, core.org): creating, moving and loading units and placing people.

Rules: a unit sits below its parent's level (总公司 → 分公司 → 中心支公司 → 支公司/营业部); only the
head office has no parent and it never moves; a unit never moves under itself or its subtree;
a move rewrites the path of every unit below it in the same transaction; a move and a placement
are each one audit row naming who, what and why; loading a tree is idempotent.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog, OrgUnit, UnitLevel
from carecircle.core.org import (
    common_ancestor,
    create_unit,
    head_office,
    load_units,
    move_unit,
    place_user,
)
from carecircle.core.roles import Role
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """总公司 → 浙江 → 杭州 → 西湖; 浙江 → 宁波 → 海曙; 总公司 → 江苏."""
    root = head_office()
    zj = create_unit(code="33000000", name="浙江分公司", level=UnitLevel.PROVINCE, parent=root)
    js = create_unit(code="32000000", name="江苏分公司", level=UnitLevel.PROVINCE, parent=root)
    hz = create_unit(code="33010000", name="杭州中心支公司", level=UnitLevel.CITY, parent=zj)
    nb = create_unit(code="33020000", name="宁波中心支公司", level=UnitLevel.CITY, parent=zj)
    xihu = create_unit(code="33010600", name="西湖支公司", level=UnitLevel.SUB_BRANCH, parent=hz)
    haishu = create_unit(code="33020300", name="海曙支公司", level=UnitLevel.SUB_BRANCH, parent=nb)
    return {"root": root, "zj": zj, "js": js, "hz": hz, "nb": nb, "xihu": xihu, "haishu": haishu}


def _path(code: str) -> str:
    return OrgUnit.objects.get(code=code).path


# -- create --


def test_a_new_unit_path_is_its_parents_path_and_its_code(tree):
    assert tree["xihu"].path == "/00000000/33000000/33010000/33010600/"


def test_creating_a_unit_is_audited(tree):
    row = AuditLog.objects.get(object_type="core.orgunit", object_id=str(tree["xihu"].pk))
    assert row.action == AuditLog.Action.CREATE


@pytest.mark.parametrize(
    ("level", "parent"),
    [
        (UnitLevel.PROVINCE, "hz"),  # a 分公司 under a 中心支公司
        (UnitLevel.CITY, "hz"),  # a level beside its parent's
        (UnitLevel.CITY, "xihu"),
        (UnitLevel.HEAD_OFFICE, "root"),
    ],
)
def test_a_unit_must_sit_below_its_parents_level(tree, level, parent):
    with pytest.raises(DomainError) as exc:
        create_unit(code="99999999", name="x", level=level, parent=tree[parent])
    assert exc.value.code == "unit_level"


def test_only_the_head_office_has_no_parent(tree):
    with pytest.raises(DomainError) as exc:
        create_unit(code="99999999", name="x", level=UnitLevel.CITY, parent=None)
    assert exc.value.code == "head_office_only_root"


def test_a_unit_code_is_unique(tree):
    with pytest.raises(DomainError) as exc:
        create_unit(code="33010600", name="x", level=UnitLevel.SUB_BRANCH, parent=tree["nb"])
    assert exc.value.code == "unit_code_taken"


# -- move --


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(tree):
    manager = UserFactory(role=Role.MANAGER)
    move_unit(tree["hz"], tree["js"], by=manager, reason="划转 / regrouping")
    assert _path("33010000") == "/00000000/32000000/33010000/"
    assert _path("33010600") == "/00000000/32000000/33010000/33010600/"
    assert OrgUnit.objects.get(code="33010000").parent_id == tree["js"].pk
    # Units outside the subtree keep their paths.
    assert _path("33020300") == "/00000000/33000000/33020000/33020300/"


def test_a_move_is_one_audit_row_with_who_why_and_the_old_and_new_path(tree):
    manager = UserFactory(role=Role.MANAGER)
    move_unit(tree["hz"], tree["js"], by=manager, reason="划转 / regrouping")
    row = AuditLog.objects.get(
        object_type="core.orgunit", object_id=str(tree["hz"].pk), action=AuditLog.Action.UPDATE
    )
    assert row.actor == manager
    assert "划转 / regrouping" in row.summary
    assert row.changes["path"] == [
        "/00000000/33000000/33010000/",
        "/00000000/32000000/33010000/",
    ]


@pytest.mark.parametrize("target", ["hz", "xihu"])
def test_a_unit_cannot_move_under_itself_or_its_subtree(tree, target):
    with pytest.raises(DomainError) as exc:
        move_unit(tree["hz"], tree[target], by=None)
    assert exc.value.code == "unit_under_itself"
    assert _path("33010600") == "/00000000/33000000/33010000/33010600/"


def test_a_move_keeps_the_level_order(tree):
    with pytest.raises(DomainError) as exc:
        move_unit(tree["xihu"], tree["haishu"], by=None)  # a 支公司 under a 支公司
    assert exc.value.code == "unit_level"
    with pytest.raises(DomainError):
        move_unit(tree["zj"], tree["js"], by=None)  # a 分公司 under a 分公司


def test_the_head_office_never_moves(tree):
    with pytest.raises(DomainError) as exc:
        move_unit(tree["root"], tree["zj"], by=None)
    assert exc.value.code == "head_office_fixed"


def test_moving_a_unit_to_the_parent_it_has_is_refused(tree):
    with pytest.raises(DomainError) as exc:
        move_unit(tree["hz"], tree["zj"], by=None)
    assert exc.value.code == "unit_already_there"
    assert not AuditLog.objects.filter(action=AuditLog.Action.UPDATE).exists()


# -- place --


def test_placing_a_person_changes_their_unit_and_is_audited(tree):
    manager = UserFactory(role=Role.MANAGER)
    seat = UserFactory(role=Role.SEAT, unit=tree["xihu"])
    place_user(seat, tree["haishu"], by=manager, reason="调岗 / transfer")
    seat.refresh_from_db()
    assert seat.unit == tree["haishu"]
    row = AuditLog.objects.get(object_type="core.user", object_id=str(seat.pk))
    assert row.actor == manager
    assert row.changes["unit"] == [str(tree["xihu"]), str(tree["haishu"])]
    assert "调岗 / transfer" in row.summary


def test_only_insurer_staff_are_placed_in_a_unit(tree):
    partner_user = UserFactory(role=Role.PARTNER_USER)
    with pytest.raises(DomainError) as exc:
        place_user(partner_user, tree["xihu"], by=None)
    assert exc.value.code == "not_staff"


def test_no_one_is_placed_in_an_inactive_unit_or_where_they_already_are(tree):
    seat = UserFactory(role=Role.SEAT, unit=tree["xihu"])
    with pytest.raises(DomainError) as exc:
        place_user(seat, tree["xihu"], by=None)
    assert exc.value.code == "already_in_unit"
    closed = OrgUnitFactory(code="33010900", parent=tree["hz"], active=False)
    with pytest.raises(DomainError) as exc:
        place_user(seat, closed, by=None)
    assert exc.value.code == "unit_inactive"
    assert not AuditLog.objects.filter(object_type="core.user").exists()


def test_the_common_ancestor_is_the_deepest_unit_holding_them_all(tree):
    assert common_ancestor([tree["xihu"], tree["haishu"]]) == tree["zj"]
    assert common_ancestor([tree["xihu"], tree["js"]]) == tree["root"]
    assert common_ancestor([tree["xihu"]]) == tree["xihu"]
    assert common_ancestor([]) is None


# -- load --

ROWS = [
    {"code": "44010600", "name": "天河支公司", "level": "sub", "parent_code": "44010000"},
    {"code": "44000000", "name": "广东分公司", "level": "province", "parent_code": "00000000"},
    {"code": "44010000", "name": "广州中心支公司", "level": "city", "parent_code": "44000000"},
]


def test_loading_a_tree_creates_parents_before_children_in_any_row_order():
    head_office()
    result = load_units(ROWS)
    assert result.counts() == {
        "created": 3,
        "updated": 0,
        "moved": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert _path("44010600") == "/00000000/44000000/44010000/44010600/"


def test_loading_the_same_tree_twice_changes_nothing():
    head_office()
    load_units(ROWS)
    audit_rows = AuditLog.objects.count()
    result = load_units(ROWS)
    assert result.counts()["unchanged"] == 3
    assert result.created == result.updated == result.moved == 0
    assert AuditLog.objects.count() == audit_rows


def test_loading_a_new_parent_is_an_audited_move_and_a_new_name_an_update():
    head_office()
    load_units(ROWS)
    load_units(
        [{"code": "45000000", "name": "广西分公司", "level": "province", "parent_code": "00000000"}]
    )
    changed = [
        {"code": "44010000", "name": "广州中心支公司", "level": "city", "parent_code": "45000000"},
        {"code": "44010600", "name": "天河营业部", "level": "sub", "parent_code": "44010000"},
    ]
    result = load_units(changed, reason="test")
    assert (result.moved, result.updated, result.rejected) == (1, 1, 0)
    assert _path("44010600") == "/00000000/45000000/44010000/44010600/"
    assert OrgUnit.objects.get(code="44010600").name == "天河营业部"


def test_bad_rows_are_rejected_with_their_row_number_and_the_rest_load():
    head_office()
    rows = [
        {"code": "44000000", "name": "广东分公司", "level": "province", "parent_code": "00000000"},
        {"code": "44010000", "name": "广州", "level": "province", "parent_code": "44000000"},
        {"code": "44020000", "name": "韶关", "level": "town", "parent_code": "44000000"},
        {"code": "44030000", "name": "深圳", "level": "city", "parent_code": "99999999"},
        {"code": "44030100", "name": "某支公司", "level": "sub", "parent_code": "44030000"},
        {"code": "", "name": "无代码", "level": "sub", "parent_code": "44000000"},
        {"code": "44000000", "name": "重复", "level": "province", "parent_code": "00000000"},
        {"code": "11000000", "name": "第二个总公司", "level": "head", "parent_code": ""},
    ]
    result = load_units(rows)
    assert [(row, code) for row, code, _ in result.errors] == [
        (2, "44010000"),
        (3, "44020000"),
        (4, "44030000"),
        (5, "44030100"),
        (6, ""),
        (7, "44000000"),
        (8, "11000000"),
    ]
    messages = {code: message for _, code, message in result.errors}
    assert "a unit must sit below its parent's level" in messages["44010000"]
    assert "level must be one of" in messages["44020000"]
    assert "no such parent unit: 99999999" in messages["44030000"]
    assert "the parent unit was rejected: 44030000" in messages["44030100"]
    assert "there is already a head office" in messages["11000000"]
    assert result.created == 1
    assert list(OrgUnit.objects.values_list("code", flat=True).order_by("code")) == [
        "00000000",
        "44000000",
    ]


def test_a_parent_chain_that_loops_is_rejected():
    head_office()
    rows = [
        {"code": "44010000", "name": "a", "level": "city", "parent_code": "44020000"},
        {"code": "44020000", "name": "b", "level": "city", "parent_code": "44010000"},
    ]
    result = load_units(rows)
    assert result.rejected == 2
    assert not OrgUnit.objects.filter(code__in=["44010000", "44020000"]).exists()


# -- any tree, any moves: every path is the parent's path plus the code --

LEVELS = [UnitLevel.PROVINCE, UnitLevel.CITY, UnitLevel.SUB_BRANCH]


def _assert_paths_consistent() -> None:
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for unit in units.values():
        if unit.parent_id is None:
            assert unit.path == f"/{unit.code}/"
        else:
            assert unit.path == f"{units[unit.parent_id].path}{unit.code}/"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    shape=st.lists(st.integers(0, 1_000), min_size=1, max_size=14),
    moves=st.lists(st.tuples(st.integers(0, 1_000), st.integers(0, 1_000)), max_size=10),
)
def test_random_trees_and_moves_keep_every_path_the_parents_path_plus_its_code(shape, moves):
    root = head_office()
    made = [root]
    for i, pick in enumerate(shape):
        parents = [u for u in made if u.level != UnitLevel.SUB_BRANCH]
        parent = parents[pick % len(parents)]
        level = LEVELS[LEVELS.index(parent.level) + 1] if parent.level in LEVELS else LEVELS[0]
        made.append(
            create_unit(code=f"T{i:03d}{pick:04d}", name=f"u{i}", level=level, parent=parent)
        )
    for a, b in moves:
        units = list(OrgUnit.objects.order_by("pk"))
        unit, parent = units[a % len(units)], units[b % len(units)]
        try:
            move_unit(unit, parent, by=None, reason="hypothesis")
        except DomainError as exc:
            assert exc.code in {
                "unit_level",
                "unit_under_itself",
                "head_office_fixed",
                "unit_already_there",
            }
        _assert_paths_consistent()
    _assert_paths_consistent()
    for unit in OrgUnit.objects.filter(code__startswith="T").order_by("-path"):
        unit.delete()  # children first: the next example starts from the head office alone
