"""``carecircle notify flush``: send deferred messages whose quiet hours ended, retry failures."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from carecircle.notify import services


class Command(BaseCommand):
    help = "消息推送 / notifications: flush"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["flush"])

    def handle(self, *args, **options):
        counts = services.flush_due()
        self.stdout.write(json.dumps(counts))
