"""Demo steps contributed by apps, run by ``carecircle demo`` (the shell's command: only the
top of the graph may call into every app).

An app whose AppConfig names ``demo_step = "carecircle.<app>.demo.seed"`` gets it called by
``carecircle demo`` after the book, the logins and the value run exist, in ``demo_order``.
A step receives the command's stdout (anything with ``write``), must be idempotent (the demo is re-run on the same
database) and should finish in a few seconds on the 20,000-customer demo book.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


def demo_steps() -> list[tuple[str, Callable[[Any], None]]]:
    found = []
    for config in apps.get_app_configs():
        dotted = getattr(config, "demo_step", None)
        if dotted:
            found.append((getattr(config, "demo_order", 100), config.label, dotted))
    return [(label, import_string(dotted)) for _, label, dotted in sorted(found)]
