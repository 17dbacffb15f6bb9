"""Two ways in, on every endpoint: a bearer token for systems, the session (with CSRF) for
the browser. Both leave the acting user in ``request.auth``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from carecircle.core.models import ApiToken, OrgUnit, hash_token

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _token_user(token_hash: str):
    """The active user holding an unrevoked token with this hash, with the token's id and
    ``last_used_at`` as ``api_token_id`` / ``api_token_last_used`` — or None.

    One raw statement: the ORM spent about 1 ms of CPU compiling the token × user join on
    every API call, a fifth of a redemption's whole cost (docs/decisions/0011)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users, tokens = user_model._meta.db_table, ApiToken._meta.db_table
    units = OrgUnit._meta.db_table
    # The unit's path and parent come along: every scoped query asks for them (core.access).
    sql = (
        f"SELECT u.*, t.id AS api_token_id, t.last_used_at AS api_token_last_used, "  # noqa: S608 - table names from model meta, value bound
        f"o.path AS api_unit_path, o.parent_id AS api_unit_parent "
        f'FROM "{users}" u JOIN "{tokens}" t ON t.user_id = u.id '
        f'LEFT JOIN "{units}" o ON o.id = u.unit_id '
        f"WHERE t.token_hash = %s AND t.revoked = %s AND u.is_active = %s"
    )
    return next(iter(user_model.objects.raw(sql, [token_hash, False, True])), None)


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = _token_user(hash_token(token))
        if user is None:
            return None
        # "Last used" to the minute is what an administrator needs; writing it on every call
        # would make a busy token's row a hot spot that serialises its requests (every redemption
        # of a merchant's integration would queue on one row lock). The filter keeps a racing
        # request from moving the time backwards.
        now = timezone.now()
        last = user.api_token_last_used
        if isinstance(last, str):  # SQLite returns the extra column's text, in UTC
            last = dt.datetime.fromisoformat(last)
        if last is not None and timezone.is_naive(last):
            last = timezone.make_aware(last, dt.UTC)
        if last is None or now - last >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=user.api_token_id).exclude(
                last_used_at__gt=now - LAST_USED_RESOLUTION
            ).update(last_used_at=now)
        request.user = user
        return user


bearer_auth = BearerTokenAuth()
API_AUTH = [bearer_auth, django_auth]


def acting_user(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]
