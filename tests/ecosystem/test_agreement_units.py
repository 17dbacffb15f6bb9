"""A partner agreement belongs to the unit that signs it (签约机构): the signer's own unit, or
a unit they choose within their subtree — never another branch's; ending one needs it to be in
the user's subtree."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from carecircle.core.roles import Role
from carecircle.ecosystem.models import Agreement
from carecircle.ecosystem.services import create_agreement, end_agreement
from tests.factories import AgreementFactory, PartnerFactory, UserFactory
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return build_tree()


def sign(user, partner, **kw):
    return create_agreement(
        partner,
        acting_user=user,
        agreement_no=kw.pop("agreement_no", "AG-U-1"),
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        **kw,
    )


def test_an_agreement_is_signed_by_the_signers_unit_by_default(tree):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    assert sign(manager, PartnerFactory()).unit == tree.city_a


def test_the_signer_may_choose_a_unit_within_their_subtree(tree):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    assert sign(manager, PartnerFactory(), unit=tree.a1).unit == tree.a1


def test_a_unit_outside_the_signers_subtree_is_refused_and_nothing_is_written(tree):
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    with pytest.raises(PermissionDenied):
        sign(manager, PartnerFactory(), unit=tree.b1)
    with pytest.raises(PermissionDenied):
        sign(manager, PartnerFactory(), unit=tree.province)  # above them: not theirs either
    assert not Agreement.objects.exists()


def test_head_office_signs_for_any_unit(tree):
    hq = UserFactory(username="hq", role=Role.MANAGER)
    assert sign(hq, PartnerFactory(), unit=tree.b1).unit == tree.b1


def test_an_agreement_of_another_branch_cannot_be_ended(tree):
    theirs = AgreementFactory(unit=tree.b1)
    manager = UserFactory(username="mgr-a", role=Role.MANAGER, unit=tree.city_a)
    with pytest.raises(PermissionDenied):
        end_agreement(theirs, acting_user=manager, on=dt.date(2026, 6, 30))
    theirs.refresh_from_db()
    assert (theirs.status, theirs.ends_on) == ("active", dt.date(2026, 12, 31))
    mine = AgreementFactory(unit=tree.a1)
    ended = end_agreement(mine, acting_user=manager, on=dt.date(2026, 6, 30))
    assert (ended.status, ended.ends_on) == ("ended", dt.date(2026, 6, 30))
