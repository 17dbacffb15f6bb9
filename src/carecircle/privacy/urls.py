from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("my/", views.my, name="my"),
    path("my/request/", views.my_request, name="my_request"),
    path("my/exports/<int:export_id>/", views.download, name="download"),
    path("queue/", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.detail, name="request"),
]
