from django.urls import path

from . import cockpit_views, complaint_views, reminder_views, survey_views, views

app_name = "ecosystem"
urlpatterns = [
    path("", cockpit_views.cockpit, name="cockpit"),
    path("cockpit.csv", cockpit_views.cockpit_export, name="cockpit_export"),
    path("health/", cockpit_views.health, name="health"),
    path("portal/", views.portal, name="portal"),
    path("partners/", views.partners, name="partners"),
    path("partners/<int:partner_id>/", views.scorecard, name="scorecard"),
    path("partners/<int:partner_id>/<slug:what>/", views.drill, name="drill"),
    path("complaints/", complaint_views.complaint_list, name="complaints"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("my/complaints/", complaint_views.my_complaints, name="my_complaints"),
    path("complaints/<int:complaint_id>/", complaint_views.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_id>/<slug:action>/",
        complaint_views.complaint_action,
        name="complaint_action",
    ),
    path("s/<str:token>/", survey_views.survey, name="survey"),
    path("surveys/", survey_views.survey_results, name="survey_results"),
    path("reminders/", reminder_views.reminder_page, name="reminders"),
    path("reminders/run/", reminder_views.run_now, name="reminders_run"),
]
