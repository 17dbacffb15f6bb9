from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "carecircle.ingest"
    label = "ingest"
    verbose_name = "数据导入 / Import"
