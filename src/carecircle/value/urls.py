from django.urls import path

from . import model_views, views

app_name = "value"

urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:review_id>/decide/", views.review_decide, name="review_decide"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:entry_id>/<slug:action>/", views.list_action, name="list_action"),
    path("models/", model_views.model_list, name="models"),
    path("models/<int:version_id>/", model_views.model_detail, name="model_detail"),
]
