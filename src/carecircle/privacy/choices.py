from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    REVIEW = "review", _("人工复核自动决定 / A person reviews an automated decision")
    EXPORT = "export", _("下载我的数据 / A copy of my data")
    CORRECTION = "correction", _("更正我的信息 / Correct my data")
    DELETION = "deletion", _("删除我的信息 / Delete my data")


class ReviewSubject(models.TextChoices):
    """What automated decision a review request is about (PIPL Art 24)."""

    TIER = "tier", _("我的客户等级 / My customer tier")
    LIST = "list", _("名单记录 / A list entry")
    FAST_TRACK = "fast_track", _("快赔未通过 / A fast-track refusal")
    OTHER = "other", _("其他自动决定 / Another automated decision")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("处理中 / Being handled")
    ANSWERED = "answered", _("已答复 / Answered")


class Decision(models.TextChoices):
    GRANTED = "granted", _("已办理 / Done as asked")
    RESTRICTED = "restricted", _("已限制处理 / Restricted (records kept by law)")
    REFUSED = "refused", _("不予办理 / Refused, with reasons")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("生成中 / Being prepared")
    READY = "ready", _("可下载 / Ready")
    FAILED = "failed", _("生成失败 / Failed")
    EXPIRED = "expired", _("已过期 / Expired")
