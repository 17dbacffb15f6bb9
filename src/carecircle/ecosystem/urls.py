"""Ecosystem pages (cockpit, health, scorecards, reminders). The complaint and survey pages
under the same ``ecosystem/`` prefix are touchpoints' (``touchpoints/urls.py``)."""

from django.urls import path

from .views import cockpit, reminders, scorecards

app_name = "ecosystem"
urlpatterns = [
    path("", cockpit.cockpit, name="cockpit"),
    path("cockpit.csv", cockpit.cockpit_export, name="cockpit_export"),
    path("health/", cockpit.health, name="health"),
    path("portal/", scorecards.portal, name="portal"),
    path("partners/", scorecards.partners, name="partners"),
    path("partners/<int:partner_id>/", scorecards.scorecard, name="scorecard"),
    path("partners/<int:partner_id>/<slug:what>/", scorecards.drill, name="drill"),
    path("reminders/", reminders.reminder_page, name="reminders"),
    path("reminders/run/", reminders.run_now, name="reminders_run"),
]
