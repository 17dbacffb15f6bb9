"""``carecircle stats``: counts of the book across the domains (desk reads every domain)."""

import json

from django.core.management.base import BaseCommand

from carecircle.claims.models import Claim
from carecircle.parties.models import Customer, Partner, Vehicle
from carecircle.policies.models import Policy
from carecircle.touchpoints.models import Interaction


def book_counts() -> dict[str, int]:
    return {
        "customers": Customer.objects.count(),
        "vehicles": Vehicle.objects.count(),
        "policies": Policy.objects.count(),
        "claims": Claim.objects.count(),
        "partners": Partner.objects.count(),
        "interactions": Interaction.objects.count(),
    }


class Command(BaseCommand):
    help = "Counts of the book in the database / 数据库中的业务数据计数"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object on one line")

    def handle(self, *args, **options):
        counts = book_counts()
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            for name, n in counts.items():
                self.stdout.write(f"{name:>14}: {n:,}")
