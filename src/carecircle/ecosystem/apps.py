from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemConfig(AppConfig):
    name = "carecircle.ecosystem"
    label = "ecosystem"
    verbose_name = "生态圈 / Ecosystem"
    # The complaint pages are touchpoints' (mounted under /ecosystem/ too); they stay in this
    # menu, where staff and customers have always found them.
    nav_items = [
        ("ecosystem:cockpit", _("驾驶舱 / Cockpit"), "view_cockpit"),
        ("ecosystem:partners", _("合作伙伴 / Partners"), "manage_partners"),
        ("ecosystem:commission_statements", _("手续费结算 / Commissions"), "manage_partners"),
        ("touchpoints:complaints", _("投诉 / Complaints"), "handle_complaints"),
        ("ecosystem:reminders", _("提醒 / Reminders"), "send_messages"),
        ("ecosystem:portal", _("我的评分卡 / Our scorecard"), "partner"),  # web.context
        ("ecosystem:commission_statements", _("我的手续费 / Our commissions"), "partner"),
        ("touchpoints:my_complaints", _("我的投诉 / My complaints"), "customer"),  # CUSTOMERS_ONLY
    ]
    demo_step = "carecircle.ecosystem.demo.seed"
    demo_order = 50
