"""Webhook a real CTI platform posts call events to (docs/renewals.md).

Authenticated by a shared token (``CARECIRCLE_CTI_TOKEN``), compared in constant time;
without a configured token the endpoint is closed.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..cti import CallEvent
from ..models import Contact
from ..services.workspace import apply_call_event


@csrf_exempt
@require_POST
def events(request: HttpRequest) -> JsonResponse:
    token = getattr(settings, "CARECIRCLE_CTI_TOKEN", "")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not token or not hmac.compare_digest(token, given):
        return JsonResponse({"error": "unauthorised"}, status=401)
    try:
        body = json.loads(request.body)
        event = CallEvent(
            call_id=str(body["call_id"]),
            connected=bool(body["connected"]),
            duration_s=int(body.get("duration_s", 0)),
            recording_ref=str(body.get("recording_ref", ""))[:128],
        )
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad event"}, status=422)
    try:
        contact = apply_call_event(event)
    except Contact.DoesNotExist:
        return JsonResponse({"error": "unknown call"}, status=404)
    return JsonResponse({"contact": contact.pk, "connected": contact.connected})
