from django.urls import path

from . import views

app_name = "ecosystem"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
    path("partners/", views.partners, name="partners"),
    path("partners/<int:partner_id>/", views.scorecard, name="scorecard"),
    path("partners/<int:partner_id>/<slug:what>/", views.drill, name="drill"),
]
