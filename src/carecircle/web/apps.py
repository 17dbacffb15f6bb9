from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carecircle.web"
    label = "web"
    verbose_name = "界面 / Web"
