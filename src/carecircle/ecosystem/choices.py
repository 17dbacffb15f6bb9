from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("草拟 / Draft")
    ACTIVE = "active", _("生效 / Active")
    ENDED = "ended", _("终止 / Ended")


class Verdict(models.TextChoices):
    """How a scorecard figure stands against the agreement."""

    MET = "met", _("达标 / Met")
    BELOW = "below", _("未达标 / Below")
    ABOVE = "above", _("超出约定 / Above the agreed band")
    NO_TARGET = "no_target", _("无约定 / No target")
    NO_DATA = "no_data", _("无数据 / No data")
