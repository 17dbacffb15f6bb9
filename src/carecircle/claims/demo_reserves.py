"""Demo data for reserves and recoveries (issue #16), called by ``claims.demo.seed``: on the
injury claim an expense reserve (公估费) and a case reserve raised above the handler's limit,
waiting for the approver; on the repaired claim a subrogation partly recovered and salvage
sold."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from carecircle.core import clock

from .choices import ReserveType
from .models import Claim
from .services import recoveries, reserves


def seed(stdout: Any, *, handler: Any, injury: Claim | None, repaired: Claim | None) -> None:
    if injury is not None:
        injury.refresh_from_db()
        reserves.revise(
            injury, new_balance="3000", reserve_type=ReserveType.EXPENSE, acting_user=handler,
            reason="[演示] 人伤公估费 / the injury assessor's fee",
        )  # fmt: skip
        reserves.revise(
            injury, new_balance=str(injury.amount_reserved + 30000), acting_user=handler,
            reason="[演示] 伤者住院，预估医疗费增加 / the injured is in hospital",
        )  # fmt: skip
    if repaired is not None:
        today = clock.today()
        sub = recoveries.open_subrogation(
            repaired, acting_user=handler, against="张某(对方车主)", against_insurer="某财产保险公司",
            amount_sought="8000", sought_on=today,
        )  # fmt: skip
        recoveries.record_subrogation(sub, acting_user=handler, recovered="5000")
        salvage = recoveries.value_salvage(
            repaired, acting_user=handler, description="更换下的前保险杠 / the replaced bumper",
            valued_amount="300",
        )  # fmt: skip
        recoveries.sell_salvage(salvage, acting_user=handler, proceeds="260", buyer="废旧回收站")
    recovered = Claim.objects.aggregate(s=Sum("amount_recovered"))["s"]
    stdout.write(f"claims demo: reserves revised, recoveries recorded ({recovered})\n")
