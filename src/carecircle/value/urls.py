from django.urls import path

from .views import decisions, model_versions

app_name = "value"

urlpatterns = [
    path("reviews/", decisions.reviews, name="reviews"),
    path("reviews/<int:review_id>/decide/", decisions.review_decide, name="review_decide"),
    path("lists/", decisions.lists, name="lists"),
    path("lists/<int:entry_id>/<slug:action>/", decisions.list_action, name="list_action"),
    path("models/", model_versions.model_list, name="models"),
    path("models/<int:version_id>/", model_versions.model_detail, name="model_detail"),
]
