from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "carecircle.claims"
    label = "claims"
    verbose_name = "理赔 / Claims"
    # Add ("claims:<url name>", label, perm or None) items here for the main navigation, and
    # set demo_step = "carecircle.claims.demo.seed" (with demo_order) once demo.py exists.
    nav_items: list = []
    demo_order = 30
