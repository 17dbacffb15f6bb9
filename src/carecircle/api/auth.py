"""Two ways in, on every endpoint: a bearer token for systems, the session (with CSRF) for
the browser. Both leave the acting user in ``request.auth``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken, hash_token

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        # "Last used" to the minute is what an administrator needs; writing it on every call
        # would make a busy token's row a hot spot that serialises its requests (every redemption
        # of a merchant's integration would queue on one row lock). The filter keeps a racing
        # request from moving the time backwards.
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).exclude(
                last_used_at__gt=now - LAST_USED_RESOLUTION
            ).update(last_used_at=now)
        request.user = found.user
        return found.user


bearer_auth = BearerTokenAuth()
API_AUTH = [bearer_auth, django_auth]


def acting_user(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]
