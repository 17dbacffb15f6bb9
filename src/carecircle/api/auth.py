"""Two ways in, on every endpoint: a bearer token for systems, the session (with CSRF) for
the browser. Both leave the acting user in ``request.auth``."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken, hash_token


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        # One UPDATE, no read-modify-write of the row.
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


bearer_auth = BearerTokenAuth()
API_AUTH = [bearer_auth, django_auth]


def acting_user(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]
