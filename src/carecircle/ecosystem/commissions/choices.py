"""Choices of commissions (ADR 0017)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.TextChoices):
    """Who the customer is to us when the policy is written (客户类型)."""

    NEW = "new", _("新保 / New business")
    RENEWAL = "renewal", _("续保 / Renewal")
    TRANSFER_IN = "transfer_in", _("转保 / Transfer-in")


class LossBand(models.TextChoices):
    """A loss ratio's band (settings ``COMMISSION_LOSS_BANDS``); NONE: no premium to read."""

    LOW = "low", _("低赔付 / Low loss")
    NORMAL = "normal", _("正常赔付 / Normal loss")
    HIGH = "high", _("高赔付 / High loss")
    NONE = "none", _("无记录 / No record")


class Basis(models.TextChoices):
    """Whose loss ratio an adjustment reads."""

    CUSTOMER = "customer", _("客户赔付率 / The customer's loss ratio")
    PAYEE = "payee", _("渠道赔付率 / The partner's or agent's loss ratio")


class LineKind(models.TextChoices):
    COMMISSION = "commission", _("手续费 / Commission")
    CLAWBACK = "clawback", _("退保追回 / Clawback on cancellation")


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("草稿 / Draft")
    APPROVED = "approved", _("已审批 / Approved")
    PAID = "paid", _("已支付 / Paid")
