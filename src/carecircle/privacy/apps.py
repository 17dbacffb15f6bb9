from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "carecircle.privacy"
    label = "privacy"
    verbose_name = "个人信息权利 / Privacy rights"
    nav_items = [
        ("privacy:queue", _("信息权利请求 / Privacy requests"), "handle_complaints"),
        (
            "privacy:my",
            _("我的信息权利 / My data rights"),
            "customer",
        ),  # web.context.CUSTOMERS_ONLY
    ]
