"""Message kinds: a bilingual subject and body per kind, filled from the caller's context.

Other apps register their own kinds at import time (``register("voucher_expiring", …)``) or
send the ``generic`` kind with ``context={"subject": …, "body": …}``. Unknown placeholders stay
visible as ``{name}`` rather than failing the send.
"""

from __future__ import annotations

from dataclasses import dataclass

from carecircle.core.errors import DomainError


@dataclass(frozen=True)
class Kind:
    code: str
    subject: str
    body: str


KINDS: dict[str, Kind] = {}


def register(code: str, subject: str, body: str) -> Kind:
    kind = Kind(code, subject, body)
    KINDS[code] = kind
    return kind


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, context: dict) -> tuple[str, str]:
    kind = KINDS.get(code)
    if kind is None:
        raise DomainError(
            "unknown_kind", f"未知消息类型 {code} / unknown message kind {code}", "kind"
        )
    values = _Keep({k: v for k, v in context.items()})
    return kind.subject.format_map(values)[:120], kind.body.format_map(values)


register("generic", "{subject}", "{body}")
register(
    "renewal_reminder",
    "续保提醒 / Renewal reminder",
    "尊敬的{name}，您的车辆{plate}保单{policy_no}将于{expiry_date}到期，请及时续保。"
    " / Your policy {policy_no} for {plate} expires on {expiry_date}.",
)
register(
    "inspection_due",
    "年检提醒 / Annual inspection due",
    "尊敬的{name}，您的车辆{plate}年检将于{due_date}到期，可使用代为送检服务。"
    " / The annual inspection of {plate} is due on {due_date}; our inspection run can help.",
)
register(
    "maintenance_due",
    "保养提醒 / Maintenance due",
    "尊敬的{name}，您的车辆{plate}已到保养时间（{due_date}前）。"
    " / {plate} is due for maintenance before {due_date}.",
)
register(
    "voucher_expiring",
    "权益即将到期 / Voucher expiring",
    "尊敬的{name}，您的{voucher}将于{expires_on}到期。 / Your {voucher} expires on {expires_on}.",
)
register(
    "claim_step",
    "理赔进度 / Claim progress",
    "尊敬的{name}，您的赔案{claim_no}已完成：{step}。 / Claim {claim_no}: {step} is done.",
)
register(
    "weather_alert",
    "天气预警 / Weather alert",
    "尊敬的{name}，{city}{date}{warning}，请注意行车安全，车辆停放避开低洼地带。"
    " / {city}, {date}: {warning_en}. Drive safely and park away from low ground.",
)
register(
    "birthday",
    "生日祝福 / Happy birthday",
    "尊敬的{name}，祝您生日快乐！感谢您对我们的信任。 / Happy birthday, and thank you.",
)
register(
    "survey_invitation",
    "服务评价邀请 / How did we do?",
    "尊敬的{name}，请为我们的{moment}服务打分：{link} （{expires_on}前有效）"
    " / Please rate our {moment_en}: {link} (open until {expires_on}).",
)
register(
    "complaint_update",
    "投诉处理进度 / Your complaint",
    "尊敬的{name}，您的投诉{complaint_no}：{update} / Complaint {complaint_no}: {update_en}",
)
