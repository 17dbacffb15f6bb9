from django.apps import AppConfig


class EcosystemConfig(AppConfig):
    name = "carecircle.ecosystem"
    label = "ecosystem"
    verbose_name = "生态圈 / Ecosystem"
    # Add ("ecosystem:<url name>", label, perm or None) items here for the main navigation, and
    # set demo_step = "carecircle.ecosystem.demo.seed" (with demo_order) once demo.py exists.
    nav_items: list = []
    demo_order = 50
