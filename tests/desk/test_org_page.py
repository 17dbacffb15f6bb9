"""The organisation page (/org/) and ``carecircle org``.

Rules: insurer staff see the tree of their own unit's subtree with staff, customers and policies
per unit (head office: the whole tree, plus the rows without a unit), read-only; holders of
view_audit (managers) and superusers may move a unit and place a person — inside their own
subtree, with a reason, each audited; a broken rule comes back on the page with its message and
changes nothing; partner, merchant and customer logins get 403.
"""

import json

import pytest
from django.core.management import CommandError, call_command

from carecircle.core.models import AuditLog, OrgUnit, UnitLevel, User
from carecircle.core.org import head_office
from carecircle.core.roles import Role
from tests.factories import (
    CustomerFactory,
    OrgUnitFactory,
    PartnerFactory,
    PolicyFactory,
    UserFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """总公司 → 浙江 → 杭州 → 西湖, 滨江; 浙江 → 宁波 → 海曙; a customer and policy in 西湖 and 海曙."""
    root = head_office()
    zj = OrgUnitFactory(code="33000000", name="浙江分公司", level=UnitLevel.PROVINCE, parent=root)
    hz = OrgUnitFactory(code="33010000", name="杭州中心支公司", level=UnitLevel.CITY, parent=zj)
    nb = OrgUnitFactory(code="33020000", name="宁波中心支公司", level=UnitLevel.CITY, parent=zj)
    units = {
        "root": root,
        "zj": zj,
        "hz": hz,
        "nb": nb,
        "xihu": OrgUnitFactory(code="33010600", name="西湖支公司", parent=hz),
        "binjiang": OrgUnitFactory(code="33010800", name="滨江支公司", parent=hz),
        "haishu": OrgUnitFactory(code="33020300", name="海曙支公司", parent=nb),
    }
    for unit in ("xihu", "haishu"):
        customer = CustomerFactory(unit=units[unit])
        PolicyFactory(vehicle=VehicleFactory(owner=customer), unit=units[unit])
    CustomerFactory(unit=None)  # seen by head office only
    return units


def _row(html: str, code: str) -> str:
    start = html.index(f'data-unit="{code}"')
    return html[start : html.index("</tr>", start)]


def _figure(html: str, code: str, name: str) -> str:
    row = _row(html, code)
    start = row.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return row[start : row.index("</td>", start)].split(" ")[0]


def test_head_office_sees_the_whole_tree_with_counts_and_the_rows_without_a_unit(client, tree):
    boss = UserFactory(role=Role.MANAGER, unit=tree["root"])
    client.force_login(boss)
    html = client.get("/org/").content.decode()
    assert html.count('data-unit="') == 8  # 7 units and the row of rows without a unit
    assert _figure(html, "33000000", "customers") == "2"
    assert _figure(html, "33010000", "policies") == "1"
    assert _figure(html, "00000000", "staff") == "1"
    assert 'data-unit="none"' in html
    assert 'id="org-move"' in html and 'id="org-place"' in html


def test_a_seat_sees_its_own_subtree_read_only(client, tree):
    seat = UserFactory(role=Role.SEAT, unit=tree["hz"])
    client.force_login(seat)
    response = client.get("/org/")
    html = response.content.decode()
    assert response.status_code == 200
    codes = [
        c
        for c in ("33010000", "33010600", "33010800", "33020000", "00000000")
        if f'data-unit="{c}"' in html
    ]
    assert codes == ["33010000", "33010600", "33010800"]
    assert 'data-unit="none"' not in html
    assert 'id="org-move"' not in html
    assert (
        client.post(
            "/org/move/", {"unit": "33010600", "new_parent": "33020000", "reason": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/org/place/", {"username": seat.username, "unit": "33010600", "reason": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("role", [Role.PARTNER_USER, Role.MERCHANT_USER, Role.CUSTOMER])
def test_partners_merchants_and_customers_get_403(client, tree, role):
    extra = (
        {"partner": PartnerFactory()} if role != Role.CUSTOMER else {"customer": CustomerFactory()}
    )
    client.force_login(UserFactory(role=role, **extra))
    assert client.get("/org/").status_code == 403
    assert (
        client.post(
            "/org/move/", {"unit": "33010600", "new_parent": "33020000", "reason": "x"}
        ).status_code
        == 403
    )


def test_anonymous_visitors_are_sent_to_log_in(client, tree):
    response = client.get("/org/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_manager_moves_a_unit_in_their_subtree_and_it_is_audited(client, tree):
    manager = UserFactory(role=Role.MANAGER, unit=tree["zj"])
    client.force_login(manager)
    response = client.post(
        "/org/move/", {"unit": "33010800", "new_parent": "33020000", "reason": "划入宁波"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/org/?done=move"
    moved = OrgUnit.objects.get(code="33010800")
    assert moved.path == "/00000000/33000000/33020000/33010800/"
    row = AuditLog.objects.get(object_type="core.orgunit", object_id=str(moved.pk), action="update")
    assert row.actor == manager and "划入宁波" in row.summary


def test_a_move_that_breaks_a_rule_shows_its_message_and_changes_nothing(client, tree):
    client.force_login(UserFactory(role=Role.MANAGER, unit=tree["root"]))
    response = client.post(
        "/org/move/", {"unit": "33010000", "new_parent": "33010600", "reason": "x"}
    )
    assert response.status_code == 400
    assert "a unit cannot move under itself" in response.content.decode()
    response = client.post(
        "/org/move/", {"unit": "33010600", "new_parent": "33020300", "reason": "x"}
    )
    assert response.status_code == 400
    assert "a unit must sit below its parent&#x27;s level" in response.content.decode()
    assert OrgUnit.objects.get(code="33010600").path == "/00000000/33000000/33010000/33010600/"
    assert not AuditLog.objects.filter(object_type="core.orgunit", action="update").exists()


def test_a_manager_cannot_reach_outside_their_subtree(client, tree):
    manager = UserFactory(role=Role.MANAGER, unit=tree["hz"])
    client.force_login(manager)
    outside = client.post(
        "/org/move/", {"unit": "33010800", "new_parent": "33020000", "reason": "x"}
    )
    assert outside.status_code == 400
    assert "no such unit in your scope: 33020000" in outside.content.decode()
    # Their own unit can only go where they cannot reach: above it, or under itself.
    own = client.post("/org/move/", {"unit": "33010000", "new_parent": "33000000", "reason": "x"})
    assert "no such unit in your scope: 33000000" in own.content.decode()
    assert OrgUnit.objects.get(code="33010800").parent == tree["hz"]
    assert OrgUnit.objects.get(code="33010000").parent == tree["zj"]


def test_a_reason_is_required(client, tree):
    client.force_login(UserFactory(role=Role.MANAGER, unit=tree["root"]))
    response = client.post("/org/move/", {"unit": "33010800", "new_parent": "33020000"})
    assert response.status_code == 400
    assert OrgUnit.objects.get(code="33010800").parent == tree["hz"]


def test_a_manager_places_a_person_of_their_subtree_and_it_is_audited(client, tree):
    manager = UserFactory(role=Role.MANAGER, unit=tree["hz"])
    seat = UserFactory(username="s1", role=Role.SEAT, unit=tree["xihu"])
    far = UserFactory(username="s2", role=Role.SEAT, unit=tree["haishu"])
    client.force_login(manager)
    response = client.post("/org/place/", {"username": "s1", "unit": "33010800", "reason": "调岗"})
    assert response["Location"] == "/org/?done=place"
    seat.refresh_from_db()
    assert seat.unit == tree["binjiang"]
    row = AuditLog.objects.get(object_type="core.user", object_id=str(seat.pk))
    assert row.actor == manager and "调岗" in row.summary
    refused = client.post("/org/place/", {"username": "s2", "unit": "33010800", "reason": "x"})
    assert refused.status_code == 400
    assert "no such staff in your scope: s2" in refused.content.decode()
    far.refresh_from_db()
    assert far.unit == tree["haishu"]


# -- the command --


def test_org_tree_prints_counts_and_json(tree, capsys):
    call_command("org", "tree", "--json")
    data = json.loads(capsys.readouterr().out)
    by_code = {u["code"]: u for u in data["units"]}
    assert by_code["33000000"]["total"] == {"staff": 0, "customers": 2, "policies": 2}
    assert by_code["33010600"]["own"] == {"staff": 0, "customers": 1, "policies": 1}
    assert by_code["33010600"]["parent_code"] == "33010000"
    assert data["without_unit"]["customers"] == 1
    call_command("org", "tree", "--unit", "33020000")
    text = capsys.readouterr().out
    assert "宁波中心支公司" in text and "海曙支公司" in text and "西湖支公司" not in text
    assert text.strip().endswith("2 units")


def test_org_load_csv_and_toml_is_idempotent_and_checks_levels(tree, tmp_path, capsys):
    csv_file = tmp_path / "units.csv"
    csv_file.write_text(
        "code,name,level,parent_code\n"
        "32000000,江苏分公司,province,00000000\n"
        "32010000,南京中心支公司,city,32000000\n"
        "32019900,错层,province,32010000\n",
        encoding="utf-8-sig",
    )
    with pytest.raises(CommandError, match="1 rows rejected"):
        call_command("org", "load", str(csv_file))
    out = capsys.readouterr()
    assert json.loads(out.out.strip().splitlines()[-1])["created"] == 2
    assert "row 4 32019900" in out.err
    toml_file = tmp_path / "units.toml"
    toml_file.write_text(
        '[[unit]]\ncode = "32000000"\nname = "江苏分公司"\nlevel = "province"\nparent_code = "00000000"\n'
        '[[unit]]\ncode = "32010200"\nname = "玄武支公司"\nlevel = "sub"\nparent_code = "32010000"\n',
        encoding="utf-8",
    )
    call_command("org", "load", str(toml_file))
    counts = json.loads(capsys.readouterr().out.strip())
    assert counts == {"created": 1, "updated": 0, "moved": 0, "unchanged": 1, "rejected": 0}
    assert OrgUnit.objects.get(code="32010200").path == "/00000000/32000000/32010000/32010200/"


def test_org_move_and_place_need_a_user_with_view_audit_and_are_audited(tree, capsys):
    UserFactory(username="boss", role=Role.MANAGER, unit=tree["root"])
    UserFactory(username="s1", role=Role.SEAT, unit=tree["xihu"])
    with pytest.raises(CommandError, match="may not change the tree"):
        call_command("org", "move", "33010800", "33020000", "--by", "s1", "--reason", "x")
    call_command("org", "move", "33010800", "33020000", "--by", "boss", "--reason", "划转")
    assert OrgUnit.objects.get(code="33010800").path == "/00000000/33000000/33020000/33010800/"
    call_command("org", "place", "s1", "33010800", "--by", "boss", "--reason", "调岗")
    assert User.objects.get(username="s1").unit.code == "33010800"
    assert AuditLog.objects.filter(actor__username="boss", action="update").count() == 2
    with pytest.raises(CommandError, match="a unit cannot move under itself"):
        call_command("org", "move", "33000000", "33010000", "--by", "boss", "--reason", "x")
    with pytest.raises(CommandError, match="no such unit: 99"):
        call_command("org", "place", "s1", "99", "--by", "boss", "--reason", "x")
