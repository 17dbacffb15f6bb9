from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.message_log, name="log"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/undo/", views.resubscribe, name="resubscribe"),
]
