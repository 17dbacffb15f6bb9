from django.urls import path

from . import views_consent

app_name = "parties"

# Mounted at /consents/ (carecircle/urls.py): the customer's consents and their history.
urlpatterns = [
    path("my/", views_consent.my_consents, name="my_consents"),
    path("customers/<int:customer_id>/", views_consent.customer_consents, name="customer_consents"),
]
