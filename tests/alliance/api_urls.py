"""The project's URLs plus a test NinjaAPI carrying the alliance router under /alliance-api/
(the shared api/api.py mounts it once the maintainers add it)."""

from django.urls import path
from ninja import NinjaAPI

from carecircle.alliance.api import build_router
from carecircle.api import errors
from carecircle.api.auth import API_AUTH
from carecircle.urls import urlpatterns as project_urls

api = NinjaAPI(urls_namespace="alliance_test_api", auth=API_AUTH, docs_url=None)
errors.install(api)
api.add_router("/", build_router())

urlpatterns = [path("alliance-api/", api.urls), *project_urls]
