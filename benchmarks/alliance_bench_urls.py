"""The project's URLs plus the alliance router under /alliance-api/ (load test only)."""

from django.urls import path
from ninja import NinjaAPI

from carecircle.alliance.api import build_router
from carecircle.api import errors
from carecircle.api.auth import API_AUTH
from carecircle.urls import urlpatterns as project_urls

api = NinjaAPI(urls_namespace="alliance_bench_api", auth=API_AUTH, docs_url=None)
errors.install(api)
api.add_router("/", build_router())

urlpatterns = [path("alliance-api/", api.urls), *project_urls]
