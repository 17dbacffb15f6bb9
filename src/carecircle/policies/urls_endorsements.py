"""Staff pages for endorsements (批改) under ``/policies/`` (names ``endorsements:…``): the
vehicle's ownership transfer (过户) and a recorded transfer."""

from django.urls import path

from . import views_endorsements as views

app_name = "endorsements"
urlpatterns = [
    path("vehicles/<int:vehicle_id>/transfer/", views.transfer, name="transfer"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer_detail"),
]
