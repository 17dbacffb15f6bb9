from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "carecircle.alliance"
    label = "alliance"
    verbose_name = "增值服务商户联盟 / Merchant alliance"
    # Add ("alliance:<url name>", label, perm or None) items here for the main navigation, and
    # set demo_step = "carecircle.alliance.demo.seed" (with demo_order) once demo.py exists.
    nav_items: list = []
    demo_order = 40
