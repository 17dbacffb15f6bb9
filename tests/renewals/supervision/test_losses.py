"""Why we lose customers: how the renewals due ended, the losses by reason, segment and tier,
and the competitors with their price."""

from decimal import Decimal

import pytest

from carecircle.renewals.choices import Segment
from carecircle.renewals.supervision.losses import why_lost

from .book import MAY

pytestmark = pytest.mark.django_db


def test_why_we_lose_breaks_losses_down_by_reason_segment_and_tier(book):
    analysis = why_lost(book["manager"], MAY)
    assert [(e["status"], e["n"], e["share"]) for e in analysis.endings] == [
        ("renewed", 2, Decimal("50.0")),
        ("lost", 1, Decimal("25.0")),
        ("open", 1, Decimal("25.0")),
    ]
    assert [(m["lost_reason"], m["segment"], m["tier"], m["n"]) for m in analysis.matrix] == [
        ("price", Segment.HIGH_VALUE_AT_RISK, "gold", 1)
    ]
    assert analysis.competitors[0]["average_price"] == Decimal("1800.00")
