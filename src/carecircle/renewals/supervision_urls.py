"""考核督导 pages, included by renewals/urls.py under ``supervise/`` (names ``renewals:…``)."""

from django.urls import path

from . import supervision_views as views

urlpatterns = [
    path("", views.dashboard, name="supervise"),
    path("why-lost/", views.why_lost, name="supervise_lost"),
    path("overdue/", views.overdue, name="supervise_overdue"),
    path("export.xlsx", views.export, name="supervise_export"),
]
