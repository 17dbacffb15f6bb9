from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemConfig(AppConfig):
    name = "carecircle.ecosystem"
    label = "ecosystem"
    verbose_name = "生态圈 / Ecosystem"
    nav_items = [
        ("ecosystem:partners", _("合作伙伴 / Partners"), "manage_partners"),
    ]
    demo_order = 50
