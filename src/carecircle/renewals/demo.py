"""Demo data for renewals: filled in by the renewals pipeline (issue #4)."""

from __future__ import annotations

from typing import Any


def seed(stdout: Any) -> None:
    """Build today's renewal pipeline on the demo book (idempotent)."""
