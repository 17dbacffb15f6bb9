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


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("客服电话 / Phone hotline")
    STORE = "store", _("柜面 / Counter")
    WECHAT = "wechat", _("微信 / WeChat")
    APP = "app", _("App/H5")
    EMAIL = "email", _("邮件 / E-mail")
    LETTER = "letter", _("信函 / Letter")
    SOCIAL = "social", _("社交媒体 / Social media")
    REGULATOR = "regulator", _("监管转办(12378) / Regulator referral (12378)")
    STAFF = "staff", _("员工代录 / Recorded by staff")


class ComplaintCategory(models.TextChoices):
    CLAIMS_AMOUNT = "claims_amount", _("理赔金额 / Claims amount")
    LIABILITY = "liability", _("责任认定 / Liability")
    DESIGNATED_SHOP = "designated_shop", _("指定修理厂 / Designated repair shop")
    SPEED = "speed", _("理赔时效 / Speed")
    ATTITUDE = "attitude", _("服务态度 / Attitude")
    TELESALES_HARASSMENT = "telesales_harassment", _("电销骚扰 / Telesales harassment")
    AUTO_RENEWAL = "auto_renewal", _("未经同意自动续保 / Auto-renewal without consent")
    MERCHANT_SERVICE = "merchant_service", _("增值服务质量 / Value-added service quality")
    POLICY_TERMS = "policy_terms", _("条款与销售误导 / Policy terms, mis-selling")
    PRIVACY = "privacy", _("个人信息 / Personal information")
    OTHER = "other", _("其他 / Other")


class Severity(models.TextChoices):
    LOW = "low", _("一般 / Low")
    NORMAL = "normal", _("较重 / Normal")
    HIGH = "high", _("严重 / High")
    CRITICAL = "critical", _("重大(群体/媒体/监管) / Critical")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("已受理 / Received")
    IN_PROGRESS = "in_progress", _("处理中 / In progress")
    RESOLVED = "resolved", _("已答复待确认 / Resolved, awaiting the customer")
    REOPENED = "reopened", _("客户不认可 / Reopened")
    CLOSED = "closed", _("已办结 / Closed")


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.REOPENED,
)


class SurveyMoment(models.TextChoices):
    """Key moments after which a survey goes out (关键时刻)."""

    CLAIM_CLOSED = "claim_closed", _("结案 / Claim closed")
    RENEWAL = "renewal", _("续保 / Renewal")
    SERVICE_USED = "service_used", _("使用增值服务 / Service used")
    COMPLAINT_CLOSED = "complaint_closed", _("投诉办结 / Complaint closed")
    SALE = "sale", _("新保 / New policy")


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("已发送 / Sent")
    ANSWERED = "answered", _("已回答 / Answered")
    NOT_SENT = "not_sent", _("未发送(无同意/已拦截) / Not sent (blocked)")


class ReferralStatus(models.TextChoices):
    RECORDED = "recorded", _("已登记 / Recorded")
    CONTACTED = "contacted", _("已联系 / Contacted")
    QUOTED = "quoted", _("已报价 / Quoted")
    WON = "won", _("已成交 / Won")
    LOST = "lost", _("未成交 / Lost")
