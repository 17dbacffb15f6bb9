from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "carecircle.notify"
    label = "notify"
    verbose_name = "消息推送 / Notifications"
    nav_items: list = []
    demo_order = 10
