"""Complaint and survey pages. Mounted under ``ecosystem/`` like the rest of the brand pages:
the paths are the ones already in use (survey links have gone out by SMS)."""

from django.urls import path

from .views import complaints, surveys

app_name = "touchpoints"
urlpatterns = [
    path("complaints/", complaints.complaint_list, name="complaints"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("my/complaints/", complaints.my_complaints, name="my_complaints"),
    path("complaints/<int:complaint_id>/", complaints.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_id>/<slug:action>/",
        complaints.complaint_action,
        name="complaint_action",
    ),
    path("s/<str:token>/", surveys.survey, name="survey"),
    path("surveys/", surveys.survey_results, name="survey_results"),
]
