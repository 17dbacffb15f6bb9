from django.urls import include, path

from . import cti_views, views

app_name = "renewals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("task/<int:pk>/", views.task, name="task"),
    path("task/<int:pk>/call/", views.call, name="call"),
    path("task/<int:pk>/quote/", views.quote, name="quote"),
    path("task/<int:pk>/outcome/", views.outcome, name="outcome"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("cti/events/", cti_views.events, name="cti_events"),
    path("supervise/", include("carecircle.renewals.supervision_urls")),
]
