"""The REST API (django-ninja). Each domain app contributes one Router."""

from ninja import NinjaAPI

api = NinjaAPI(title="CareCircle API", version="1", docs_url="/docs", urls_namespace="api")
