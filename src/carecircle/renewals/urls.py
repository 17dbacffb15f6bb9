"""Renewal pages under ``/renewals/`` (names ``renewals:…``): the seat's workspace, the
pipeline, the CTI webhook and 考核督导 under ``supervise/``."""

from django.urls import path

from .views import cti, pipeline, supervision, underwriting, workspace

app_name = "renewals"
urlpatterns = [
    path("", workspace.queue, name="queue"),
    path("task/<int:pk>/", workspace.task, name="task"),
    path("task/<int:pk>/call/", workspace.call, name="call"),
    path("task/<int:pk>/quote/", workspace.quote, name="quote"),
    path("task/<int:pk>/outcome/", workspace.outcome, name="outcome"),
    path("task/<int:pk>/proposal/", workspace.proposal, name="proposal"),
    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("underwriting/", underwriting.queue, name="underwriting"),
    path("underwriting/<int:pk>/", underwriting.referral, name="underwriting_referral"),
    path("underwriting/<int:pk>/decide/", underwriting.decide, name="underwriting_decide"),
    path("cti/events/", cti.events, name="cti_events"),
    path("supervise/", supervision.dashboard, name="supervise"),
    path("supervise/why-lost/", supervision.why_lost, name="supervise_lost"),
    path("supervise/overdue/", supervision.overdue, name="supervise_overdue"),
    path("supervise/export.xlsx", supervision.export, name="supervise_export"),
]
