"""Notify settings: defaults here, overridden by ``settings.CARECIRCLE["NOTIFY"]`` (a dict),
read through ``carecircle.core.conf.AppSettings`` like every app's.

Every figure is a *setting* (docs/notify.md): the quiet hours follow the telemarketing rule in
../shared/DOMAIN.md (no contact 21:00–09:00), the caps are the branch's own policy.
"""

from __future__ import annotations

from typing import Any

from carecircle.core.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Local time of the customer; messages asked for inside [start, end) wait until `end`.
    "QUIET_HOURS": (21, 9),
    # Every message (any purpose) counts; at most this many per customer per local day.
    "DAILY_CAP": 3,
    # Marketing messages per customer in any rolling 7 days.
    "WEEKLY_MARKETING_CAP": 2,
    # Customer time zone by province (China keeps one time zone; an overseas book may not).
    "DEFAULT_TIMEZONE": "Asia/Shanghai",
    "TIMEZONE_BY_PROVINCE": {},
    # Channel tried first when the caller names none; the first with an address wins.
    "CHANNEL_ORDER": ("wechat", "sms", "email"),
    # Legal notices (Insurance Law Art 22/24) try these channels in turn — each with the
    # usual retries — and end, when none delivers, in a letter a person posts (LetterTask).
    "LEGAL_CHANNEL_ORDER": ("sms", "email"),
    # Adapters by channel: dotted path of a class with ``deliver(message, address) -> str``.
    "ADAPTERS": {
        "sms": "carecircle.notify.channels.SmsOutboxAdapter",
        "wechat": "carecircle.notify.channels.WeChatOutboxAdapter",
        "email": "carecircle.notify.channels.EmailAdapter",
    },
    # Absolute base for links in messages (unsubscribe), e.g. "https://care.example.cn"
    # (https in production: RFC 8058's one-click header names an https URL).
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    # An unsubscribe link works this many days after its message was sent; later it opens a
    # "link expired" page that points to the preferences page (/consents/my/).
    "UNSUBSCRIBE_LINK_DAYS": 90,
    "SMS_SIGNATURE": "【CareCircle】",
    "WECHAT_TEMPLATE_IDS": {},
}


SETTINGS = AppSettings("NOTIFY", DEFAULTS)


def get(name: str) -> Any:
    """The setting ``name``: the deployment's value, else the default; read at call time."""
    return SETTINGS.get(name)
