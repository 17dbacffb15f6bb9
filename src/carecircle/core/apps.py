from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carecircle.core"
    label = "core"
    verbose_name = "核心  /  Core"

    def ready(self) -> None:
        # The key check of every command line (python -m django, django-admin, carecircle).
        from carecircle.core.keys import install_command_guard

        install_command_guard()
