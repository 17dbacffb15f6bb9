"""The probes of issue #15, as named tests on the matrix's world (``tests/authz/world.py``):
what a 4S shop, a merchant, a team leader, a seat, a claims handler and a city-branch manager
could reach before the scopes by unit and by row — and must not reach now."""

from __future__ import annotations

import re

import pytest

from carecircle.core.models import AuditLog
from tests.factories import PolicyFactory, RenewalTaskFactory

from .world import (
    CUSTOMER,
    HANDLER,
    HO,
    LEADER,
    MANAGER,
    MERCHANT,
    ROLES,
    SEAT,
    SHOP,
    World,
)


def _ids(client, url: str, **query) -> set[int]:
    response = client.get(url, {"limit": 100, **query})
    assert response.status_code == 200, (url, response.status_code)
    return {row["id"] for row in response.json()["items"]}


# ---- a 4S shop: rows it brought or was sent, policy by policy, claim by claim ------------------


def test_a_4s_shop_lists_only_the_policies_it_brought_never_by_customer(world: World, clients):
    shared = world.shared
    assert _ids(clients[SHOP], "/api/policies") == {world.a.policy.pk, shared["policy_a"].pk}


def test_a_4s_shop_lists_only_the_claims_on_its_policies_or_sent_to_its_shop(world: World, clients):
    shop = clients[SHOP]
    assert _ids(shop, "/api/claims") == {world.a.claim.pk}
    assert _ids(shop, "/api/claims-shop") == {world.a.claim.pk}


def test_a_4s_shop_lists_only_its_own_interactions(world: World, clients):
    assert _ids(clients[SHOP], "/api/interactions") == {world.a.interaction.pk}


def test_a_4s_shop_lists_the_customers_and_cars_of_its_own_policies_only(world: World, clients):
    shop, shared = clients[SHOP], world.shared
    assert _ids(shop, "/api/customers") == {world.a.customer.pk, shared["customer"].pk}
    assert _ids(shop, "/api/vehicles") == {world.a.vehicle.pk, shared["car_a"].pk}


def test_a_4s_shop_reads_no_voucher_redemption_complaint_or_renewal(world: World, clients):
    shop = clients[SHOP]
    assert _ids(shop, "/api/alliance/vouchers") == set()
    assert _ids(shop, "/api/alliance/redemptions") == set()
    assert shop.get("/api/complaints").status_code == 403
    assert shop.get("/renewals/").status_code == 403


def test_a_shared_customers_policy_and_claim_from_the_other_shop_are_not_found(
    world: World, clients
):
    shop, shared = clients[SHOP], world.shared
    assert shop.get(f"/api/policies/{shared['policy_b'].pk}").status_code == 404
    assert shop.get(f"/api/vehicles/{shared['car_b'].pk}").status_code == 404
    assert shop.get(f"/api/claims/{shared['claim_b'].pk}").status_code == 404
    assert shop.get(f"/api/interactions/{shared['interaction_b'].pk}").status_code == 404
    assert shop.get(f"/claims/shop/{shared['claim_b'].pk}/").status_code == 404
    assert shop.get(f"/claims/documents/{shared['document_b'].pk}/").status_code == 404


# ---- voucher codes: the owner's only; a merchant's at the counter only ----------------------


def _codes(world: World) -> dict[str, str]:
    """Every voucher's code (live and used), by whose it is."""
    return {
        "a": world.a.voucher.code,
        "a_used": world.a.used_voucher.code,
        "b": world.b.voucher.code,
        "b_used": world.b.used_voucher.code,
        "shared": world.shared["voucher"].code,
    }


def _shows_code(body: str, code: str) -> bool:
    """The code in full, with or without the dashes it is shown with."""
    dashed = "-".join(code[i : i + 4] for i in range(0, len(code), 4))
    return code in body or dashed in body


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_the_voucher_list_shows_a_code_only_to_the_vouchers_owner(role: str, world: World, clients):
    response = clients[role].get("/api/alliance/vouchers", {"limit": 100})
    assert response.status_code == 200
    body = response.content.decode()
    shown = {whose for whose, code in _codes(world).items() if _shows_code(body, code)}
    assert shown == ({"a", "a_used"} if role == CUSTOMER else set())


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_the_redemption_list_shows_no_code_but_to_the_vouchers_owner(
    role: str, world: World, clients
):
    response = clients[role].get("/api/alliance/redemptions", {"limit": 100})
    assert response.status_code == 200
    body = response.content.decode()
    shown = {whose for whose, code in _codes(world).items() if _shows_code(body, code)}
    assert shown == ({"a_used"} if role == CUSTOMER else set())


def test_a_merchant_sees_a_code_only_when_it_is_typed_at_the_counter(world: World, clients):
    merchant = clients[MERCHANT]
    code = world.b.voucher.code  # a customer of the other unit: any merchant serves them
    redeemed = merchant.post(
        "/api/alliance/redemptions",
        {"code": code, "location_id": world.a.location.pk},
        content_type="application/json",
    )
    assert redeemed.status_code == 201
    assert redeemed.json()["voucher_code"] == world.b.voucher.display_code
    for url in (
        "/api/alliance/redemptions",
        "/api/alliance/vouchers",
        "/alliance/merchant/",
        "/alliance/merchant/today/",
        f"/alliance/statements/{world.a.statement.pk}/",
        f"/alliance/statements/{world.a.statement.pk}/export.csv",
    ):
        response = merchant.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert not any(_shows_code(body, c) for c in _codes(world).values()), url


def test_an_issuer_does_not_read_the_code_of_the_voucher_it_issues(world: World, clients):
    before = set(world.a.customer.alliance_vouchers.values_list("pk", flat=True))
    response = clients[SEAT].post(
        "/alliance/issue/",
        {
            "customer_no": world.a.customer.customer_no,
            "product": world.a.voucher.product_id,
            "reason": "补偿 / goodwill",
        },
    )
    assert response.status_code == 200
    issued = world.a.customer.alliance_vouchers.exclude(pk__in=before).get()
    assert 'id="issued"' in response.content.decode()
    assert not _shows_code(response.content.decode(), issued.code)


# ---- claim documents: scoped, every download audited -----------------------------------------


@pytest.mark.parametrize("role", [CUSTOMER, SEAT, HANDLER, MANAGER, HO, SHOP])
def test_a_claim_document_download_is_audited(role: str, world: World, clients):
    document = world.a.document
    response = clients[role].get(f"/claims/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).endswith(b"authz A")
    rows = AuditLog.objects.filter(
        action=AuditLog.Action.VIEW,
        object_type="claims.claimdocument",
        object_id=str(document.pk),
    )
    assert list(rows.values_list("actor", flat=True)) == [world.users[role].pk]


@pytest.mark.parametrize("role", [CUSTOMER, SEAT, HANDLER, MANAGER, SHOP, MERCHANT])
def test_a_claim_document_outside_the_scope_is_not_found_and_not_served(
    role: str, world: World, clients
):
    response = clients[role].get(f"/claims/documents/{world.b.document.pk}/")
    assert response.status_code == 404
    assert not AuditLog.objects.filter(
        action=AuditLog.Action.VIEW, object_type="claims.claimdocument"
    ).exists()


# ---- renewals: a team leader and another team's task ----------------------------------------


def _names(side) -> list[str]:
    return [side.seat.display_name, side.seat.username, side.leader.display_name]


def test_a_team_leader_cannot_open_another_teams_renewal_task(world: World, clients):
    response = clients[LEADER].get(f"/renewals/task/{world.b.task.pk}/")
    assert response.status_code == 404
    body = response.content.decode()
    assert not any(name in body for name in _names(world.b))


def test_the_refusal_of_a_task_assigned_to_another_team_names_no_seat(world: World, clients):
    """The task's customer is the leader's team's (so the leader sees it), but the renewal was
    given to a seat of the other team: the refusal says so without naming them."""
    shared = world.shared["customer"]
    task = RenewalTaskFactory(
        policy=PolicyFactory(vehicle=world.shared["car_a"], unit=world.a.unit),
        customer=shared,
        unit=world.a.unit,
        assignee=world.b.seat,
    )
    leader = clients[LEADER]
    response = leader.get(f"/renewals/task/{task.pk}/")
    assert response.status_code in (403, 404)
    assert not any(name in response.content.decode() for name in _names(world.b))
    called = leader.post(f"/renewals/task/{task.pk}/call/", follow=True)
    assert called.status_code in (403, 404)
    shown = [str(m) for m in called.context["messages"]] if called.context else []
    assert not any(name in " ".join(shown) for name in _names(world.b))


# ---- a seat, a claims handler, a city-branch manager: their unit's subtree --------------------


def test_a_seat_of_unit_a_gets_404_for_a_unit_b_customer(world: World, clients):
    seat, b = clients[SEAT], world.b.customer
    assert seat.get(f"/customers/{b.pk}/").status_code == 404
    assert seat.get(f"/api/customers/{b.pk}").status_code == 404
    assert seat.get(f"/customers/{world.a.customer.pk}/").status_code == 200


def test_a_claims_handler_cannot_reveal_a_phone_outside_the_subtree(world: World, clients):
    handler, b = clients[HANDLER], world.b.customer
    refused = handler.post(f"/customers/{b.pk}/reveal/phone/")
    assert refused.status_code == 404
    assert b.phone_last4 not in refused.content.decode().replace(b.phone_masked, "")
    assert not AuditLog.objects.filter(
        action=AuditLog.Action.REVEAL_PII, object_id=str(b.pk)
    ).exists()
    a = world.a.customer
    revealed = handler.post(f"/customers/{a.pk}/reveal/phone/")
    assert revealed.status_code == 200
    assert (
        AuditLog.objects.filter(
            action=AuditLog.Action.REVEAL_PII,
            object_type="parties.customer",
            object_id=str(a.pk),
            actor=world.users[HANDLER],
        ).count()
        == 1
    )


def test_revealing_needs_the_reveal_permission_as_well_as_the_customer(world: World, clients):
    """The shop sees its customer (masked) but may not reveal their phone: 403, audited."""
    a = world.a.customer
    refused = clients[SHOP].post(f"/customers/{a.pk}/reveal/phone/")
    assert refused.status_code == 403
    assert AuditLog.objects.filter(
        action=AuditLog.Action.DENIED, object_id=str(a.pk), actor=world.users[SHOP]
    ).exists()


LISTS = {
    "/api/customers": "customer",
    "/api/vehicles": "vehicle",
    "/api/policies": "policy",
    "/api/claims": "claim",
    "/api/interactions": "interaction",
    "/api/complaints": "complaint",
    "/api/alliance/vouchers": "voucher",
    "/api/alliance/redemptions": "redemption",
}


@pytest.mark.parametrize("url", LISTS)
def test_a_city_branch_manager_lists_only_the_subtree(url: str, world: World, clients):
    attr = LISTS[url]
    listed = _ids(clients[MANAGER], url)
    assert getattr(world.a, attr).pk in listed
    assert getattr(world.b, attr).pk not in listed
    everyone = _ids(clients[HO], url)
    assert {getattr(world.a, attr).pk, getattr(world.b, attr).pk} <= everyone


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("/claims/?view=all", lambda s: s.claim.claim_no),
        ("/ecosystem/complaints/?status=all", lambda s: s.complaint.complaint_no),
        ("/notify/letters/", lambda s: f'data-letter="{s.letter.pk}"'),
    ],
)
def test_a_city_branch_manager_pages_show_only_the_subtree(url, number, world: World, clients):
    body = clients[MANAGER].get(url).content.decode()
    assert number(world.a) in body
    assert number(world.b) not in body


@pytest.mark.parametrize(
    "url",
    [
        "/ecosystem/partners/{shop}/policies/?month=2025-06",
        "/api/ecosystem/partners/{shop}/scorecard/policies?month=2025-06",
    ],
)
def test_a_city_branch_managers_drill_down_lists_only_the_subtree(url, world: World, clients):
    """A partner's scorecard is book-wide figures; the records behind them, with customers'
    names, are the manager's subtree only (the head office sees all)."""

    def shown(role: str, side) -> bool:
        response = clients[role].get(url.format(shop=side.shop.pk))
        assert response.status_code == 200
        return side.policy.policy_no in response.content.decode()

    assert (shown(MANAGER, world.a), shown(MANAGER, world.b)) == (True, False)
    assert (shown(HO, world.a), shown(HO, world.b)) == (True, True)


def test_a_partner_still_drills_into_its_own_records(world: World, clients):
    url = f"/api/ecosystem/partners/{world.a.shop.pk}/scorecard/policies?month=2025-06"
    rows = clients[SHOP].get(url).json()["items"]
    assert [r["reference"] for r in rows] == sorted(
        [world.a.policy.policy_no, world.shared["policy_a"].policy_no]
    )
    assert all(re.fullmatch(r".\*+", r["customer"]) for r in rows)


# ---- renewals: a supervisor gives renewals only to seats of their scope ----------------------


def _reassign(client, task, to_user):
    return client.post(
        "/renewals/pipeline/",
        {"action": "reassign", "tasks": str(task.pk), "to_user": to_user.pk, "note": ""},
    )


@pytest.mark.parametrize("role", [LEADER, MANAGER])
def test_a_supervisor_cannot_give_renewals_to_a_seat_outside_their_scope(
    role: str, world: World, clients
):
    """A leader gives the team's renewals to the team's seats, a city-branch manager to seats
    of the subtree: another unit's seat is unknown to them (404), and not offered."""
    client, task = clients[role], world.a.task
    assert _reassign(client, task, world.b.seat).status_code == 404
    task.refresh_from_db()
    world.a.customer.refresh_from_db()
    assert (task.assignee_id, world.a.customer.owner_id) == (world.a.seat.pk, world.a.seat.pk)
    page = client.get("/renewals/pipeline/").content.decode()
    assert world.a.seat.display_name in page
    assert not any(name in page for name in _names(world.b))
    assert _reassign(client, task, world.a.leader).status_code == 302
    task.refresh_from_db()
    assert task.assignee_id == world.a.leader.pk


def test_the_head_office_gives_renewals_to_any_seat(world: World, clients):
    assert _reassign(clients[HO], world.a.task, world.b.seat).status_code == 302
    world.a.task.refresh_from_db()
    assert world.a.task.assignee_id == world.b.seat.pk


# ---- complaints: an owner who can reach the complaint ----------------------------------------


def test_a_complaint_goes_only_to_a_handler_who_can_reach_it(world: World, clients):
    """A complaint of unit A is offered to, and can be given to, complaint handlers whose unit
    holds unit A (its own, the city branch, head office) — not to another branch's service
    manager, nor to anyone who does not handle complaints (the API took any user id)."""
    from tests.factories import UserFactory

    other = UserFactory(
        username="service_b", display_name="服务经理B", role="service_manager", unit=world.b.unit
    )
    complaint, manager = world.a.complaint, clients[MANAGER]
    page = manager.get(f"/ecosystem/complaints/{complaint.pk}/").content.decode()
    assert world.users["service"].username in page
    assert "服务经理B" not in page and "service_b" not in page
    refused = manager.post(
        f"/ecosystem/complaints/{complaint.pk}/start/", {"owner": other.pk, "note": ""}
    )
    assert refused.status_code == 400
    for owner in (other, world.a.customer_user, world.a.merchant_user):
        api = manager.post(
            f"/api/complaints/{complaint.pk}/steps",
            {"action": "start", "owner_id": owner.pk},
            content_type="application/json",
        )
        assert api.status_code == 400, owner
    complaint.refresh_from_db()
    assert (complaint.status, complaint.owner_id) == ("received", None)
    given = manager.post(
        f"/api/complaints/{complaint.pk}/steps",
        {"action": "start", "owner_id": world.users["service"].pk},
        content_type="application/json",
    )
    assert (given.status_code, given.json()["owner_id"]) == (200, world.users["service"].pk)
