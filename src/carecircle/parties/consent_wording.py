"""The words a customer agrees to, by version. A consent event records the version id and the
text as it was shown (with the channel, the partner's name and the data filled in), so a later
change of wording never rewrites what someone agreed to. A new wording is a new id here and in
``CURRENT``; old ids stay for the history."""

from __future__ import annotations

from dataclasses import dataclass

from .models_consent import ConsentChannel, ConsentPurpose, SharingUse


@dataclass(frozen=True)
class Wording:
    purpose: str
    # "中文 / English"; placeholders {channel_zh} {channel_en} {partner_zh} {partner_en}
    # {data_zh} {data_en} {use_zh} {use_en}
    text: str


WORDINGS: dict[str, Wording] = {
    "marketing-v1": Wording(
        ConsentPurpose.MARKETING,
        "我同意本公司通过{channel_zh}向我介绍保险产品、续保优惠和增值服务。我可随时在“我的授权”页面撤回；"
        "撤回不影响服务通知和法定通知。 / I agree that the company may tell me about insurance "
        "products, renewal offers and services by {channel_en}. I can withdraw at any time on the "
        "My consents page; withdrawing does not stop service or legal notices.",
    ),
    "sharing-v1": Wording(
        ConsentPurpose.SHARING,
        "我同意本公司向{partner_zh}提供我的{data_zh}，仅用于{use_zh}；对方不得用于其他目的。我可随时撤回，撤回前已"
        "提供的信息不受影响。 / I agree that the company gives {partner_en} my {data_en}, only for "
        "{use_en}; they may not use it for anything else. I can withdraw at any time; what was "
        "given before I withdraw stays given.",
    ),
    "automated-v1": Wording(
        ConsentPurpose.AUTOMATED,
        "我同意由系统自动评定我的客户等级、续保价格区间和快赔资格。我可要求说明理由、要求人工复核，或随时撤回。"
        " / I agree that my customer tier, renewal price band and fast-track eligibility may be "
        "decided by automation. I can ask for the reasons, ask a person to review a decision, or "
        "withdraw at any time.",
    ),
    # The boolean flag before consent was recorded (data migration 0008): no wording survives.
    "marketing-legacy": Wording(
        ConsentPurpose.MARKETING,
        "迁移前的“同意营销联系”标记（原文本未留存）/ the old “consents to marketing” flag (the "
        "wording shown then was not kept)",
    ),
}

CURRENT: dict[str, str] = {
    ConsentPurpose.MARKETING: "marketing-v1",
    ConsentPurpose.SHARING: "sharing-v1",
    ConsentPurpose.AUTOMATED: "automated-v1",
}

# Art 23: the data each use gives the partner, and what for.
SHARED_DATA: dict[str, tuple[str, str]] = {
    SharingUse.REPAIR: (
        "姓名、手机号、车辆和本次理赔信息",
        "name, mobile number, vehicle and this claim",
    ),
    SharingUse.SERVICE_BOOKING: ("姓名和手机号", "name and mobile number"),
}
USE_WORDS: dict[str, tuple[str, str]] = {
    SharingUse.REPAIR: ("维修您的车辆", "repairing the vehicle"),
    SharingUse.SERVICE_BOOKING: ("预约并提供该项服务", "booking and providing the service"),
}
CHANNEL_WORDS: dict[str, tuple[str, str]] = {
    ConsentChannel.PHONE: ("电话", "phone call"),
    ConsentChannel.SMS: ("短信", "SMS"),
    ConsentChannel.WECHAT: ("微信", "WeChat"),
    ConsentChannel.EMAIL: ("电子邮件", "e-mail"),
}


def render(
    wording: str, *, channel: str = "", partner_name: str | tuple[str, str] = "", use: str = ""
) -> str:
    """The text of ``wording`` as the customer sees it; KeyError for an unknown id.
    ``partner_name``: the partner's name, or a (Chinese, English) pair for words that stand
    for the partner a page lets the customer choose."""
    template = WORDINGS[wording].text
    partner_zh, partner_en = (
        partner_name if isinstance(partner_name, tuple) else (partner_name, partner_name)
    )
    channel_zh, channel_en = CHANNEL_WORDS.get(channel, ("", ""))
    data_zh, data_en = SHARED_DATA.get(use, ("", ""))
    use_zh, use_en = USE_WORDS.get(use, ("", ""))
    return template.format(
        channel_zh=channel_zh,
        channel_en=channel_en,
        partner_zh=partner_zh,
        partner_en=partner_en,
        data_zh=data_zh,
        data_en=data_en,
        use_zh=use_zh,
        use_en=use_en,
    )
