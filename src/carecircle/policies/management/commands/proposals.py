"""``carecircle proposals expire``: unpaid proposals past their offer expire and their
renewals go back to the seats' queues (run every few minutes or at least hourly by cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from carecircle.policies.proposals import expire_due


class Command(BaseCommand):
    help = "Expire unpaid renewal proposals (投保单) whose offer has ended"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("expire", help="expire unpaid proposals past their offer")

    def handle(self, *args, **options):
        count = expire_due()
        self.stdout.write(f"✓ {count} proposals expired unpaid")
