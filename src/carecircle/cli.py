"""The ``carecircle`` console script: Django's management commands under friendlier names.

``carecircle demo | serve | worker | generate | import | stats | value-run | bench`` and every
other ``manage.py`` command (migrate, check, createsuperuser …). ``worker`` is our own command
(core/management/commands/worker.py: django-tasks' database worker with a lease, so the tasks
of a worker killed mid-task are retried); django-tasks' bare ``db_worker`` is still there.
"""

from __future__ import annotations

import os
import sys

from carecircle.core.keys import require_keys
from carecircle.core.schema import require_schema

# CLI names that are not valid Python module names, or read better than the command module.
ALIASES = {
    "import": "import_data",
    "value-run": "value_run",
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    args[0] = "carecircle"
    # A command that handles personal data refuses, in one line, to run without real keys
    # (core/keys.py: KEY_FREE, the CARECIRCLE_ALLOW_DEMO_KEYS opt-in of the demo).
    require_keys(args)
    # A command that needs the tables says "migrate first" in one line on a fresh database.
    require_schema(args)
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
