"""Payment pages under ``/pay/`` (names ``policies:…``): the customer's proposal link, the
gateway's notification endpoint and the payment simulator."""

from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("notify/<str:gateway_name>/", views.notify, name="notify"),
    path("simulator/<str:reference>/", views.simulator_page, name="simulator"),
    path("<str:token>/", views.proposal, name="proposal"),
    path("<str:token>/done/", views.proposal_done, name="proposal_done"),
]
