"""The shell's pages, and the customer pages under the names they have always had
(``web:customer_search``, ``web:customer_360``, ``web:customer_reveal``): the search and the
reveal are parties' views, the 360 page is desk's; web only mounts them."""

from django.urls import path

from carecircle.desk import views as desk_views
from carecircle.parties import views as parties_views

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/", parties_views.customer_search, name="customer_search"),
    path("customers/<int:customer_id>/", desk_views.customer_detail, name="customer_360"),
    path(
        "customers/<int:customer_id>/reveal/<slug:field>/",
        parties_views.customer_reveal,
        name="customer_reveal",
    ),
]
