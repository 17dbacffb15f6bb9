from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.message_log, name="log"),
    path("letters/", views.letters, name="letters"),
    path("letters/<int:pk>/posted/", views.letter_posted, name="letter_posted"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/undo/", views.resubscribe, name="resubscribe"),
]
