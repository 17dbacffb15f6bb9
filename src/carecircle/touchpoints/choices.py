from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactType(models.TextChoices):
    """The five ways customers meet the insurer (五类接触)."""

    SALES = "sales", _("销售接触 / Sales")
    PHONE = "phone", _("电话接触 / Phone")
    CLAIMS = "claims", _("理赔接触 / Claims")
    SERVICE = "service", _("增值服务接触 / Value-added service")
    BRAND = "brand", _("品牌接触 / Brand")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("呼入/来访 / Inbound")
    OUTBOUND = "outbound", _("呼出/拜访 / Outbound")


class Medium(models.TextChoices):
    PHONE = "phone", _("电话 / Phone")
    VISIT = "visit", _("面访 / Visit")
    SMS = "sms", _("短信 / SMS")
    WECHAT = "wechat", _("微信 / WeChat")
    APP = "app", _("App/H5")
    STORE = "store", _("门店 / Store")
    EMAIL = "email", _("邮件 / E-mail")
    SOCIAL = "social", _("社交媒体 / Social media")


class Outcome(models.TextChoices):
    REACHED = "reached", _("已接通 / Reached")
    NOT_REACHED = "not_reached", _("未接通 / Not reached")
    INTERESTED = "interested", _("有意向 / Interested")
    QUOTED = "quoted", _("已报价 / Quoted")
    SOLD = "sold", _("已成交 / Sold")
    REFUSED = "refused", _("拒绝 / Refused")
    RESOLVED = "resolved", _("已解决 / Resolved")
    PENDING = "pending", _("待跟进 / Pending")
    COMPLAINED = "complained", _("投诉 / Complained")
    INFORMED = "informed", _("已告知 / Informed")
