"""Ecosystem pages (cockpit, health, scorecards, reminders). The complaint and survey pages
under the same ``ecosystem/`` prefix are touchpoints' (``touchpoints/urls.py``)."""

from django.urls import path

from .views import cockpit, commissions, reminders, scorecards

app_name = "ecosystem"
urlpatterns = [
    path("", cockpit.cockpit, name="cockpit"),
    path("cockpit.csv", cockpit.cockpit_export, name="cockpit_export"),
    path("health/", cockpit.health, name="health"),
    path("portal/", scorecards.portal, name="portal"),
    path("partners/", scorecards.partners, name="partners"),
    path("partners/<int:partner_id>/", scorecards.scorecard, name="scorecard"),
    path("partners/<int:partner_id>/<slug:what>/", scorecards.drill, name="drill"),
    path("commissions/", commissions.statements, name="commission_statements"),
    path("commissions/calculate/", commissions.calculate, name="commission_calculate"),
    path(
        "commissions/<int:statement_id>/",
        commissions.statement_detail,
        name="commission_statement",
    ),
    path(
        "commissions/<int:statement_id>/export.xlsx",
        commissions.statement_export,
        name="commission_export",
    ),
    path(
        "commissions/<int:statement_id>/<slug:action>/",
        commissions.statement_action,
        name="commission_action",
    ),
    path("reminders/", reminders.reminder_page, name="reminders"),
    path("reminders/run/", reminders.run_now, name="reminders_run"),
]
