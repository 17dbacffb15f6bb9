from django.urls import path

from . import views

app_name = "desk"

# Mounted at the site root (carecircle/urls.py): the portfolio keeps the path it had under
# the value pages.
urlpatterns = [
    path("value/", views.portfolio, name="portfolio"),
]
