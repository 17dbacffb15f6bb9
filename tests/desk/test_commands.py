"""``carecircle stats``: the counts of the book, one JSON object for scripts."""

import json

import pytest
from django.core.management import call_command

from tests.factories import PartnerFactory, PolicyFactory


@pytest.mark.django_db
def test_stats_json_prints_one_object_with_every_count(capsys):
    PolicyFactory()
    PartnerFactory()
    call_command("stats", json=True)
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1]) == {
        "customers": 1,
        "vehicles": 1,
        "policies": 1,
        "claims": 0,
        "partners": 1,
        "interactions": 0,
    }
