"""Choices of the merchant alliance (增值服务商户联盟)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from carecircle.policies.choices import SERVICE_RIDERS, CoverageCode


class ServiceKind(models.TextChoices):
    CAR_WASH = "car_wash", _("洗车 / Car wash")
    MAINTENANCE = "maintenance", _("保养 / Maintenance")
    TYRES = "tyres", _("轮胎 / Tyres")
    ROADSIDE_RESCUE = "roadside_rescue", _("道路救援 / Roadside rescue")
    DESIGNATED_DRIVER = "designated_driver", _("代为驾驶 / Designated driver")
    INSPECTION_RUN = "inspection_run", _("代为送检 / Inspection run")
    PARKING = "parking", _("停车 / Parking")
    FUEL = "fuel", _("加油 / Fuel")
    SAFETY_CHECK = "safety_check", _("车辆安全检测 / Safety check")


# The 2020 model clauses' service riders (附加服务特约) and the service each one entitles to.
# Using them is a service, never a claim: it does not touch the NCD or the claim count.
RIDER_SERVICES: dict[str, str] = {
    CoverageCode.ROADSIDE_RESCUE: ServiceKind.ROADSIDE_RESCUE,
    CoverageCode.SAFETY_CHECK: ServiceKind.SAFETY_CHECK,
    CoverageCode.DESIGNATED_DRIVER: ServiceKind.DESIGNATED_DRIVER,
    CoverageCode.INSPECTION_RUN: ServiceKind.INSPECTION_RUN,
}

RIDER_CHOICES = [(c.value, c.label) for c in CoverageCode if c in SERVICE_RIDERS]


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("可使用 / Issued")
    REDEEMED = "redeemed", _("已核销 / Redeemed")
    REVERSED = "reversed", _("已冲正 / Reversed")
    EXPIRED = "expired", _("已过期 / Expired")
    CANCELLED = "cancelled", _("已作废 / Cancelled")


class IssueSource(models.TextChoices):
    ENTITLEMENT = "entitlement", _("权益自动发放 / From entitlements")
    MANUAL = "manual", _("人工发放 / Issued by staff")


class RedemptionStatus(models.TextChoices):
    COMPLETED = "completed", _("已核销 / Completed")
    REVERSED = "reversed", _("已冲正 / Reversed")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约 / Booked")
    ATTENDED = "attended", _("已到店 / Attended")
    NO_SHOW = "no_show", _("未到店 / No-show")
    CANCELLED = "cancelled", _("已取消 / Cancelled")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿 / Draft")
    DISPUTED = "disputed", _("有异议 / Disputed")
    APPROVED = "approved", _("已审批 / Approved")
    PAID = "paid", _("已导出付款 / Exported for payment")


class LineKind(models.TextChoices):
    REDEMPTION = "redemption", _("核销 / Redemption")
    REVERSAL = "reversal", _("冲正 / Reversal")
    ADJUSTMENT = "adjustment", _("调整 / Adjustment")


class AttemptOutcome(models.TextChoices):
    SUCCESS = "success", _("成功 / Success")
    TYPO = "typo", _("校验位错误 / Checksum failed")
    UNKNOWN = "unknown", _("无此券码 / Unknown code")
    WRONG_MERCHANT = "wrong_merchant", _("非本商户服务 / Not this merchant's service")
    USED = "used", _("已使用 / Already used")
    REVERSED = "reversed", _("已冲正 / Reversed")
    EXPIRED = "expired", _("已过期 / Expired")
    NOT_YET_VALID = "not_yet_valid", _("未到有效期 / Not yet valid")
    CANCELLED = "cancelled", _("已作废 / Cancelled")
    RATE_LIMITED = "rate_limited", _("尝试过多 / Too many attempts")
