from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimStatus(models.TextChoices):
    REPORTED = "reported", _("已报案 / Reported")
    DISPATCHED = "dispatched", _("已调度 / Dispatched")
    SURVEYED = "surveyed", _("已查勘 / Surveyed")
    REGISTERED = "registered", _("已立案 / Registered")
    ASSESSED = "assessed", _("已定损 / Assessed")
    INJURY_HANDLING = "injury_handling", _("人伤处理中 / Injury handling")
    LOSS_CHECKED = "loss_checked", _("已核价核损 / Loss checked")
    ADJUSTED = "adjusted", _("已理算 / Adjusted")
    APPROVED = "approved", _("已核赔 / Approved")
    PAID = "paid", _("已支付 / Paid")
    FOLLOWED_UP = "followed_up", _("已回访 / Followed up")
    CLOSED = "closed", _("已结案 / Closed")
    WITHDRAWN = "withdrawn", _("已撤案 / Withdrawn")
    REJECTED = "rejected", _("已拒赔 / Rejected")


class Action(models.TextChoices):
    REPORT = "report", _("报案 / Report")
    DISPATCH = "dispatch", _("调度 / Dispatch")
    SURVEY = "survey", _("查勘 / Survey")
    REGISTER = "register", _("立案 / Register")
    ASSESS = "assess", _("定损 / Assess the loss")
    START_INJURY = "start_injury", _("人伤处理 / Start injury handling")
    CHECK_LOSS = "check_loss", _("核价核损 / Check price and loss")
    ADJUST = "adjust", _("理算 / Adjust")
    APPROVE = "approve", _("核赔 / Approve")
    ESCALATE = "escalate", _("上报 / Escalate")
    PAY = "pay", _("支付 / Pay")
    FOLLOW_UP = "follow_up", _("回访 / Follow-up call")
    CLOSE = "close", _("结案 / Close")
    REOPEN = "reopen", _("重开 / Reopen")
    WITHDRAW = "withdraw", _("撤案 / Withdraw")
    REJECT = "reject", _("拒赔 / Reject")
    # Events that do not move the status but are recorded on the same timeline.
    REQUEST_DOCUMENTS = (
        "request_documents",
        _("一次性告知补充材料 / Request documents (one notice)"),
    )
    DOCUMENTS_COMPLETE = "documents_complete", _("材料齐全 / Documents complete")
    REJECTION_NOTICE = "rejection_notice", _("发出拒赔通知书 / Rejection notice sent")
    ADVANCE_PAYMENT = "advance_payment", _("先予支付 / Advance payment")
    REFER = "refer", _("送修 / Refer to a repair shop")
    ACCEPT_OFFER = "accept_offer", _("客户接受赔付方案 / Customer accepts the offer")
    RATE = "rate", _("客户评价 / Customer rating")
    FLAG = "flag", _("风险提示 / Review flag raised")
    CLEAR_FLAG = "clear_flag", _("风险复核 / Review flag resolved")
    FAST_TRACK = "fast_track", _("快赔 / Fast track")
    # The repair shop's steps in the partner portal (送修 → 接车 → 报价 → 完工).
    SHOP_ACCEPT = "shop_accept", _("修理厂接车 / Shop accepts the referral")
    SHOP_ESTIMATE = "shop_estimate", _("修理厂维修报价 / Shop's repair estimate")
    REPAIR_DONE = "repair_done", _("维修完工 / Repair done")
    # The payment's way to the bank (#16): the claim is paid (PAY) only when the bank confirms.
    PAYMENT_CREATED = "payment_created", _("支付指令 / Payment instructed")
    PAYMENT_APPROVED = "payment_approved", _("支付审批 / Payment approved")
    PAYMENT_SENT = "payment_sent", _("已汇出 / Sent to the bank")
    PAYMENT_RETURNED = "payment_returned", _("银行退票 / Returned by the bank")
    PAYMENT_REISSUED = "payment_reissued", _("重新支付 / Reissued")


class ReportChannel(models.TextChoices):
    PHONE = "phone", _("电话 / Phone")
    STAFF = "staff", _("柜面/员工 / Staff")
    H5 = "h5", _("客户自助 / Customer self-service")
    PARTNER = "partner", _("合作伙伴 / Partner")
    API = "api", _("系统接口 / API")


class SurveyMode(models.TextChoices):
    ON_SITE = "on_site", _("现场查勘 / On site")
    REMOTE = "remote", _("远程查勘(照片/视频) / Remote (photos, video)")


class ClockState(models.TextChoices):
    NONE = "", _("无 / none")
    OK = "ok", _("正常 / on time")
    WARNING = "warning", _("即将超时 / due soon")
    BREACHED = "breached", _("已超时 / breached")
    PAUSED = "paused", _("等待客户材料(暂停) / paused, waiting on the customer")


class Clock(models.TextChoices):
    NONE = "", _("无 / none")
    PROMISE = "promise", _("服务承诺时效 / service promise")
    DECISION = "decision", _("30日核定 / 30-day decision")
    PAYMENT = "payment", _("10日支付 / 10-day payment")
    REJECTION_NOTICE = "rejection_notice", _("3日拒赔通知 / 3-day rejection notice")
    ADVANCE = "advance", _("60日先予支付 / 60-day advance payment")


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", _("先予支付 / Advance")
    FINAL = "final", _("赔款 / Settlement")


class Payee(models.TextChoices):
    CUSTOMER = "customer", _("被保险人 / The insured")
    SHOP = "shop", _("修理厂(直赔) / Repair shop (direct)")
    THIRD_PARTY = "third_party", _("第三者 / Third party")
    HOSPITAL = "hospital", _("医院 / Hospital")


class PaymentStatus(models.TextChoices):
    """created → approved → sent (in a bank batch) → confirmed | returned; a returned payment
    is reissued as a new payment (``reissue_of``). Counts as paid only when confirmed."""

    CREATED = "created", _("已创建 / Created")
    APPROVED = "approved", _("已审批 / Approved")
    SENT = "sent", _("已汇出 / Sent to the bank")
    CONFIRMED = "confirmed", _("已到账 / Confirmed")
    RETURNED = "returned", _("银行退回 / Returned by the bank")
    CANCELLED = "cancelled", _("已撤销 / Cancelled")


class ReserveType(models.TextChoices):
    CASE = "case", _("未决赔款准备金(案件) / Case reserve")
    EXPENSE = "expense", _("理赔费用准备金(ALAE) / Expense reserve (ALAE)")


class ReserveKind(models.TextChoices):
    """Why a reserve moved. Opening + Σ movements = closing, at any date."""

    OPEN = "open", _("立案估损 / Opened")
    REVISE = "revise", _("调整 / Revised")
    PAYMENT = "payment", _("支付冲减 / Taken down by a payment")
    RETURN = "return", _("退票恢复 / Restored by a returned payment")
    RELEASE = "release", _("结案释放 / Released at close")
    REOPEN = "reopen", _("重开 / Reopened")


class ReserveChangeStatus(models.TextChoices):
    """A handler's revision above their limit waits for an approver (issue #16)."""

    PENDING = "pending", _("待核赔人批准 / Awaiting an approver")
    APPLIED = "applied", _("已生效 / Applied")
    DECLINED = "declined", _("已驳回 / Declined")


class SubrogationStatus(models.TextChoices):
    OPEN = "open", _("追偿中 / Pursuing")
    PARTLY = "partly", _("部分追回 / Partly recovered")
    RECOVERED = "recovered", _("已追回 / Recovered")
    WRITTEN_OFF = "written_off", _("已核销 / Written off")


class SalvageStatus(models.TextChoices):
    VALUED = "valued", _("已估价 / Valued")
    SOLD = "sold", _("已处置 / Sold")
    ABANDONED = "abandoned", _("放弃 / Abandoned")


class DocumentKind(models.TextChoices):
    PHOTO = "photo", _("现场照片 / Photo")
    DOCUMENT = "document", _("理赔材料 / Document")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待复核 / Open")
    CLEARED = "cleared", _("已排除 / Cleared")
    CONFIRMED = "confirmed", _("已确认 / Confirmed")


class RepairServiceStatus(models.TextChoices):
    BOOKED = "booked", _("已预约 / Booked")
    DONE = "done", _("已完成 / Done")
    CANCELLED = "cancelled", _("已取消 / Cancelled")


class AcceptanceChannel(models.TextChoices):
    """How the customer agreed the amount (Art 23: the 10-day payment clock starts here)."""

    PHONE_PAGE = "phone_page", _("客户手机确认 / On the customer's phone page")
    PHONE_CALL = "phone_call", _("电话确认(录音) / On a recorded call")
    IN_WRITING = "in_writing", _("书面确认 / In writing")
    IN_PERSON = "in_person", _("当面确认 / In person")


class AccountStatus(models.TextChoices):
    """A payee's bank account: unverified until the payee confirms the small amount sent to it
    or a handler records a call-back (ADR 0016)."""

    UNVERIFIED = "unverified", _("未核验 / Unverified")
    PENDING = "pending", _("待确认小额 / Awaiting the confirmation amount")
    VERIFIED = "verified", _("已核验 / Verified")


class VerificationMethod(models.TextChoices):
    AMOUNT = "amount", _("小额确认 / Confirmation amount")
    CALLBACK = "callback", _("电话回访 / Call-back")
