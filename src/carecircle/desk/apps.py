"""Desk: cross-domain read models (customer 360, value balance, portfolio, dashboard figures);
the only app that composes domains (see ``carecircle.desk``)."""

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "carecircle.desk"
    label = "desk"
    verbose_name = "工作台 / Desk"
