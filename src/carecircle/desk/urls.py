from django.urls import path

from . import org_views, views

app_name = "desk"

# Mounted at the site root (carecircle/urls.py): the portfolio keeps the path it had under
# the value pages.
urlpatterns = [
    path("value/", views.portfolio, name="portfolio"),
    path("org/", org_views.org_page, name="org"),
    path("org/move/", org_views.org_move, name="org_move"),
    path("org/place/", org_views.org_place, name="org_place"),
]
