"""What the notify tests share: the morning they run at and ``send`` with its delivery run."""

import datetime as dt
from zoneinfo import ZoneInfo

from carecircle.notify import services

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def send(customer, kind="generic", *, capture, **kwargs):
    kwargs.setdefault("context", {"subject": "测试", "body": "您好"})
    with capture(execute=True):
        message = services.send(customer, kind, **kwargs)
    message.refresh_from_db()
    return message
