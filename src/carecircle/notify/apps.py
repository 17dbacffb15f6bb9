from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "carecircle.notify"
    label = "notify"
    verbose_name = "消息推送 / Notifications"
    nav_items = [
        ("notify:log", _("消息 / Messages"), "send_messages"),
        ("notify:letters", _("待寄信函 / Letters to post"), "send_messages"),
    ]
    demo_order = 10
