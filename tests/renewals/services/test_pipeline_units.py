"""A renewal task built by the pipeline belongs to the expiring policy's unit (机构), so the
branch that issued the policy works and supervises its renewal."""

import pytest

from carecircle.policies.models import Policy
from carecircle.renewals.models import RenewalTask
from carecircle.renewals.services.pipeline import run_pipeline
from tests.renewals.conftest import expiring, make_seat
from tests.unit_tree import build_tree

pytestmark = pytest.mark.django_db


def test_each_renewal_task_takes_the_unit_of_the_policy_it_renews(today):
    tree = build_tree()
    make_seat("s1")
    in_a1 = expiring(40)
    in_b1 = expiring(50)
    no_unit = expiring(60)
    Policy.objects.filter(vehicle=in_a1.vehicle).update(unit=tree.a1)
    Policy.objects.filter(pk=in_b1.pk).update(unit=tree.b1)
    run_pipeline()
    units = dict(RenewalTask.objects.values_list("policy_id", "unit__code"))
    assert units == {in_a1.pk: "33010100", in_b1.pk: "33020100", no_unit.pk: None}
