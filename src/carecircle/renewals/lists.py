"""What the customer's list entry does to a renewal (#16, ADR 0018), read from
``parties.CustomerListFlag`` and the renewal's underwriting referral:

- grey: no pricing coefficient below 1.0 (the floor names the entry);
- black: the commercial quote waits for underwriting — pending or declined, the seat may quote
  交强险 only; accepted, the seat quotes within the underwriter's conditions (the floor is the
  higher of 1.0 and the underwriter's minimum);
- 交强险 is never limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carecircle.parties.models import CustomerListFlag, list_flag

from .models import ReferralStatus, RenewalTask, UnderwritingReferral

NO_DISCOUNT = Decimal("1.000")


@dataclass(frozen=True)
class ListLimits:
    flag: CustomerListFlag | None = None
    referral: UnderwritingReferral | None = None
    floor: Decimal | None = None  # the lowest pricing coefficient the seat may quote
    commercial_allowed: bool = True
    refusal: str = ""  # why the commercial quote is not allowed, naming the entry

    @property
    def floor_reason(self) -> str:
        """The floor in words, naming the entry (the quote panel, the refusal)."""
        if self.flag is None or self.floor is None:
            return ""
        said = self.flag.because(
            f"自主定价系数不得低于 {self.floor}", f"no pricing coefficient below {self.floor}"
        )
        if self.referral is not None and self.referral.conditions:
            said += f"（核保条件 / underwriting conditions: {self.referral.conditions}）"
        return said


NONE = ListLimits()


def limits_for(task: RenewalTask) -> ListLimits:
    flag = list_flag(task.customer_id)
    if flag is None:
        return NONE
    if not flag.is_black:
        return ListLimits(flag=flag, floor=NO_DISCOUNT)
    referral = UnderwritingReferral.objects.filter(task=task, list_entry_id=flag.entry_id).first()
    if referral is not None and referral.status == ReferralStatus.ACCEPTED:
        floor = max(NO_DISCOUNT, referral.min_pricing_coefficient or NO_DISCOUNT)
        return ListLimits(flag=flag, referral=referral, floor=floor)
    if referral is not None and referral.status == ReferralStatus.DECLINED:
        refusal = flag.because(
            f"核保拒保商业险，仅可报交强险。拒保理由：{referral.reason}",
            f"underwriting declined the commercial cover (reason: {referral.reason}); "
            "offer 交强险 only",
        )
    else:
        refusal = flag.because(
            "商业险已转核保，核保决定前仅可报交强险",
            "the commercial quote is referred to underwriting; until it is decided offer "
            "交强险 only",
        )
    return ListLimits(flag=flag, referral=referral, commercial_allowed=False, refusal=refusal)
