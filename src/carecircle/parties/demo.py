"""Demo step (``carecircle demo``): the generated book's marketing flags recorded as consent
on every channel (source ``import``), so the checks — which read the consent rows — see the
demo customers as the flag says. Idempotent: customers with any marketing event are skipped."""

from __future__ import annotations

from typing import Any

from . import consent


def seed(stdout: Any) -> None:
    done = consent.backfill_flagged()
    stdout.write(f"  consent recorded for {done:,} customers' marketing flags / 营销授权已记录")
