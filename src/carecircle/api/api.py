"""The REST API (django-ninja). Each domain app contributes one Router.

Every endpoint takes a bearer token (systems) or the browser session with CSRF (people).
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import _csrf_needed

from carecircle.alliance.api import router as alliance_router
from carecircle.claims.api import router as claims_router
from carecircle.core.api import errors
from carecircle.core.api.auth import API_AUTH
from carecircle.ecosystem.api import router as ecosystem_router
from carecircle.parties.api import router as parties_router
from carecircle.policies.api import router as policies_router
from carecircle.renewals.api import router as renewals_router
from carecircle.touchpoints.api import router as touchpoints_router


class LocalSwagger(Swagger):
    """/api/docs with Swagger UI from our own static files (api/static/api/swagger-ui, vendored
    from npm) and a static start-up script, never a public CDN: the page passes the
    Content-Security-Policy and loads nothing from another origin (docs/security.md)."""

    template = "api/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "swagger_settings": json.dumps(config).replace("<", "\\u003c"),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="CareCircle API",
    version="1",
    description="客户、车辆、保单与接触 / customers, vehicles, policies and interactions. "
    "Authorization: Bearer <token> (`carecircle api_token USERNAME --name NAME`) or a session.",
    docs_url="/docs",
    # No validator badge: it would send our schema to validator.swagger.io.
    docs=LocalSwagger(settings={"validatorUrl": None}),
    urls_namespace="api",
    auth=API_AUTH,
)
errors.install(api)
api.add_router("/", parties_router)
api.add_router("/", policies_router)
api.add_router("/", touchpoints_router)
api.add_router("/", claims_router)
api.add_router("/", alliance_router)
api.add_router("/", ecosystem_router)
api.add_router("/", renewals_router)
