"""Renewal stages, statuses, outcomes, segments, reasons and compliance rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    RESERVED = "reserved", _("渠道保留 / Reserved for the channel")
    TELESALES = "telesales", _("电销 / Telesales")
    DONE = "done", _("已结束 / Done")


class Status(models.TextChoices):
    OPEN = "open", _("待跟进 / Open")
    CALLBACK = "callback", _("待回拨 / Call back")
    QUOTED = "quoted", _("已报价 / Quoted")
    # The customer accepted the quote; the policies are issued when the payment arrives.
    AWAITING_PAYMENT = "awaiting_payment", _("已接受·待支付 / Accepted, awaiting payment")
    RENEWED = "renewed", _("已续保 / Renewed")
    LOST = "lost", _("已流失 / Lost")
    REFUSED = "refused", _("拒绝 / Refused")
    DO_NOT_CALL = "do_not_call", _("免打扰 / Do not call")
    WRONG_NUMBER = "wrong_number", _("号码错误 / Wrong number")
    EXPIRED = "expired", _("已脱保 / Expired unworked")


CLOSED_STATUSES = frozenset(
    {Status.RENEWED, Status.LOST, Status.REFUSED, Status.DO_NOT_CALL, Status.EXPIRED}
)


class Segment(models.TextChoices):
    HIGH_VALUE_AT_RISK = "high_value_at_risk", _("高价值·易流失 / High value, at risk")
    HIGH_VALUE_LOYAL = "high_value_loyal", _("高价值·忠诚低打扰 / Loyal, low touch")
    LOSS_MAKING = "loss_making", _("亏损·复核价格 / Loss-making, review price")
    AT_RISK = "at_risk", _("普通·易流失 / Standard, at risk")
    STANDARD = "standard", _("普通 / Standard")
    NEW_CUSTOMER = "new_customer", _("新客户 / New customer")


class Outcome(models.TextChoices):
    NOT_REACHED = "not_reached", _("未接通 / Not reached")
    CALLBACK = "callback", _("约定回拨 / Call back at…")
    REFUSED = "refused", _("拒绝 / Refused")
    QUOTED = "quoted", _("已报价 / Quoted")
    ACCEPTED = "accepted", _("接受报价 / Accepted the quote")
    # Kept for contacts recorded before 见费出单; a seat can no longer record it: the renewal
    # is issued when the customer pays (services.acceptance).
    RENEWED = "renewed", _("已续保 / Renewed")
    LOST = "lost", _("转投他司 / Lost to a competitor")
    WRONG_NUMBER = "wrong_number", _("号码错误 / Wrong number")
    DO_NOT_CALL = "do_not_call", _("要求免打扰 / Do-not-call requested")


# What each outcome does to the task's status.
OUTCOME_STATUS = {
    Outcome.NOT_REACHED: None,  # unchanged
    Outcome.CALLBACK: Status.CALLBACK,
    Outcome.REFUSED: Status.REFUSED,
    Outcome.QUOTED: Status.QUOTED,
    Outcome.ACCEPTED: Status.AWAITING_PAYMENT,
    Outcome.RENEWED: Status.RENEWED,
    Outcome.LOST: Status.LOST,
    Outcome.WRONG_NUMBER: Status.WRONG_NUMBER,
    Outcome.DO_NOT_CALL: Status.DO_NOT_CALL,
}
CONNECTED_OUTCOMES = frozenset(set(Outcome) - {Outcome.NOT_REACHED, Outcome.WRONG_NUMBER})
# What a seat may record (the form's choices): "renewed" is the payment's doing, not the seat's.
SEAT_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.RENEWED]


class LostReason(models.TextChoices):
    PRICE = "price", _("价格 / Price")
    SERVICE = "service", _("服务 / Service")
    CLAIMS_EXPERIENCE = "claims", _("理赔体验 / Claims experience")
    SOLD_VEHICLE = "sold_vehicle", _("车辆已卖 / Vehicle sold")
    DEALER = "dealer", _("随4S店/车商投保 / Insured through a dealer")
    RELATIONSHIP = "relationship", _("熟人关系 / Personal relationship")
    OTHER = "other", _("其他 / Other")


class ContactChannel(models.TextChoices):
    TELESALES = "telesales", _("电销坐席 / Telesales seat")
    AGENT = "agent", _("代理人 / Agent")
    FOUR_S_SHOP = "four_s_shop", _("4S店 / 4S shop")
    INBOUND = "inbound", _("客户来电 / Customer called in")


class AssignReason(models.TextChoices):
    RESERVED_AGENT = "reserved_agent", _("渠道保留·代理人 / Reserved for the agent")
    RESERVED_PARTNER = "reserved_partner", _("渠道保留·4S店 / Reserved for the 4S shop")
    CONTINUITY = "continuity", _("延续去年坐席 / Last year's seat")
    SKILL = "skill", _("技能匹配 / Skill match")
    LOAD = "load", _("负载均衡 / Load balancing")
    SAME_CUSTOMER = "same_customer", _("同一客户同一负责人 / One owner per customer")
    HANDOVER = "handover", _("移交电销 / Handed over to telesales")
    MANUAL = "manual", _("主管调整 / Reassigned by a supervisor")


class Rule(models.TextChoices):
    """Compliance rules a blocked attempt broke (ComplianceBlock.rule)."""

    CALLING_HOURS = "calling_hours", _("呼叫时段 / Calling hours")
    TOO_EARLY = "too_early", _("未到续保呼出期 / Too early before expiry")
    DO_NOT_CALL = "do_not_call", _("免打扰名单 / Do-not-call list")
    NO_CONSENT = "no_consent", _("未同意营销联系 / No marketing consent")
    DAILY_ATTEMPTS = "daily_attempts", _("当日呼叫次数 / Attempts today")
    RENEWAL_ATTEMPTS = "renewal_attempts", _("续保呼叫总次数 / Attempts on this renewal")
    CONTACT_CAP = "contact_cap", _("跨渠道接触频次 / Contacts across channels")
    NO_RECORDING = "no_recording", _("缺少录音 / No recording")
    NOT_HOLDER = "not_holder", _("非当前处理人 / Not the task holder")
