from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RenewalsConfig(AppConfig):
    name = "carecircle.renewals"
    label = "renewals"
    verbose_name = "续保管理 / Renewals"
    # Main navigation (carecircle.web.context.nav): (url name, label, permission or None).
    nav_items = [
        ("renewals:queue", _("续保 / Renewals"), "work_renewals"),
        ("renewals:underwriting", _("核保 / Underwriting"), "underwrite"),
    ]
    # `carecircle demo` runs every app's demo step in this order (carecircle.web.demo).
    demo_step = "carecircle.renewals.demo.seed"
    demo_order = 20
