"""The REST API (django-ninja). Each domain app contributes one Router.

Every endpoint takes a bearer token (systems) or the browser session with CSRF (people).
"""

from ninja import NinjaAPI

from carecircle.alliance.api import router as alliance_router
from carecircle.claims.api import router as claims_router
from carecircle.core.api import errors
from carecircle.core.api.auth import API_AUTH
from carecircle.ecosystem.api import router as ecosystem_router
from carecircle.parties.api import router as parties_router
from carecircle.policies.api import router as policies_router
from carecircle.renewals.api import router as renewals_router
from carecircle.touchpoints.api import router as touchpoints_router

api = NinjaAPI(
    title="CareCircle API",
    version="1",
    description="客户、车辆、保单与接触 / customers, vehicles, policies and interactions. "
    "Authorization: Bearer <token> (`carecircle api_token USERNAME --name NAME`) or a session.",
    docs_url="/docs",
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
