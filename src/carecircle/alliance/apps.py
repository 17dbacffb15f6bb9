from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "carecircle.alliance"
    label = "alliance"
    verbose_name = "增值服务商户联盟 / Merchant alliance"
    # One entry for every role: alliance:home sends each to its own page (the service
    # manager's dashboard, the merchant portal, the customer's services, the issue form).
    # Listed once (web.context drops repeats) for staff who issue vouchers, merchants and
    # customers; 4S-shop and other partner users have no alliance page.
    nav_items: list = [
        ("alliance:home", "增值服务 / Services", "issue_vouchers"),
        ("alliance:home", "增值服务 / Services", "manage_alliance"),
        ("alliance:home", "增值服务 / Services", "redeem_vouchers"),
        ("alliance:home", "增值服务 / Services", "customer"),
    ]
    demo_step = "carecircle.alliance.demo.seed"
    demo_order = 40
