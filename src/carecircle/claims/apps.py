from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "carecircle.claims"
    label = "claims"
    verbose_name = "理赔 / Claims"
    nav_items: list = [
        ("claims:worklist", "理赔 / Claims", "handle_claims"),
        ("claims:approvals", "核赔 / Approvals", "approve_claims"),
        ("claims:bank", "赔款支付 / Claim payments", "handle_claims"),
        ("claims:dashboard", "理赔看板 / Claims dashboard", "approve_claims"),
        # the legal notices no channel delivered are claims' (Art 22/24): handlers post them
        ("notify:letters", "待寄信函 / Letters to post", "handle_claims"),
        ("claims:my_claims", "我的理赔 / My claims", "customer"),  # web.context.CUSTOMERS_ONLY
        ("claims:shop_claims", "送修案件 / Referred claims", "partner"),  # PARTNERS_ONLY
    ]
    demo_step = "carecircle.claims.demo.seed"
    demo_order = 30

    def ready(self) -> None:
        from .services import notices  # noqa: F401  (registers the claim notice kinds)
