"""``carecircle complaints escalate``: escalate every open complaint past its deadline."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from carecircle.touchpoints.services import complaints


class Command(BaseCommand):
    help = "投诉 / complaints: escalate"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["escalate"])

    def handle(self, *args, **options):
        self.stdout.write(json.dumps({"escalated": complaints.escalate_overdue()}))
