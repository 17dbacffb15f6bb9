from django.apps import AppConfig


class DatagenConfig(AppConfig):
    name = "carecircle.datagen"
    label = "datagen"
    verbose_name = "合成数据  /  Synthetic data"
