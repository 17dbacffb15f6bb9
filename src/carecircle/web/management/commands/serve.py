"""Production server: gunicorn over the WSGI app (see docs/operations.md)."""

import os
import shutil
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from carecircle.core.keys import ALLOW_DEMO_KEYS_ENV, check_keys


class Command(BaseCommand):
    help = "Run CareCircle under gunicorn (production) / 以生产方式运行"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("CARECIRCLE_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3"))
        )
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument(
            "--allow-insecure",
            action="store_true",
            help="start even with the demo keys or SQLite (never in production)",
        )

    def handle(self, *args, **options):
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        # The one key check of every command (core/keys.py): --allow-insecure accepts the demo
        # keys, never a key that is set but weak.
        problem = check_keys(allow_demo=options["allow_insecure"])
        if problem:
            raise CommandError(problem)
        if not options["allow_insecure"] and sqlite:
            raise CommandError("DATABASE_URL is not set: production runs on PostgreSQL.")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        call_command("collectstatic", interactive=False, verbosity=0)
        gunicorn = shutil.which("gunicorn") or os.path.join(
            os.path.dirname(sys.executable), "gunicorn"
        )
        argv = [
            gunicorn,
            "carecircle.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
        ]
        if options["allow_insecure"]:
            # gunicorn builds carecircle.wsgi, which checks the keys again: pass the opt-in.
            os.environ[ALLOW_DEMO_KEYS_ENV] = "1"
        self.stdout.write("exec " + " ".join(argv))
        os.execv(argv[0], argv)  # noqa: S606 - replace this process with gunicorn
