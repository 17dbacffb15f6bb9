from django.urls import path

from carecircle.parties import views as parties_views

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/", parties_views.customer_search, name="customer_search"),
    path("customers/<int:customer_id>/", parties_views.customer_detail, name="customer_360"),
    path(
        "customers/<int:customer_id>/reveal/<slug:field>/",
        parties_views.customer_reveal,
        name="customer_reveal",
    ),
]
