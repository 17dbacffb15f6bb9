from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "carecircle.privacy"
    label = "privacy"
    verbose_name = "个人信息权利 / Privacy rights"
