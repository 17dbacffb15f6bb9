from django.apps import AppConfig


class TouchpointsConfig(AppConfig):
    name = "carecircle.touchpoints"
    label = "touchpoints"
    verbose_name = "接触点 / Touchpoints"
