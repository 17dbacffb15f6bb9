from django.urls import path  # noqa: F401

app_name = "parties"

# Mounted at /consents/ (carecircle/urls.py): the customer's consents and their history.
urlpatterns: list = []
