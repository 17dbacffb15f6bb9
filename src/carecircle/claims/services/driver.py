"""Who drove (驾驶人): a claim records its driver — a customer (their 360 page then lists the
claim with the driver's role) or, for someone who is not a customer, only a name."""

from __future__ import annotations

from django.db import transaction

from carecircle.core import audit, locks
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.parties.models import Customer

from ..choices import Action
from ..models import Claim
from .permissions import ensure_visible, require


def record_driver(
    claim: Claim, *, acting_user, driver: Customer | None = None, driver_name: str = ""
) -> Claim:
    """Set the claim's driver: a customer the actor can see, or a name (not both). Neither
    clears it. Claims staff only (the survey step records it); audited, the name masked."""
    require(acting_user, claim, Action.SURVEY)
    ensure_visible(acting_user, claim)
    driver_name = (driver_name or "").strip()
    if driver is not None and driver_name:
        raise DomainError(
            "driver_twice",
            "驾驶人为客户时不另填姓名 / give the driver as a customer or as a name, not both",
            "driver_name",
        )
    if len(driver_name) > 64:
        raise DomainError("too_long", "姓名过长 / the name is too long", "driver_name")
    if (
        driver is not None
        and not Customer.objects.restrict(acting_user).filter(pk=driver.pk).exists()
    ):
        raise DomainError("driver_unknown", "驾驶人不存在 / driver not found", "driver_id")
    with transaction.atomic():
        claim = locks.lock(Claim, pk=claim.pk)
        before = [claim.driver_id, bool(claim.driver_name)]
        claim.driver = driver
        claim.driver_name = driver_name
        claim.save(update_fields=["driver", "driver_name", "updated_at"])
        audit.record(
            acting_user,
            AuditLog.Action.UPDATE,
            claim,
            summary=f"driver of {claim.claim_no}",
            changes={
                "driver_id": [before[0], claim.driver_id],
                "driver_name": [before[1], bool(driver_name)],  # whether one is given, not it
            },
        )
    return claim
