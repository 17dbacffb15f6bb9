"""A claim's photo or document, streamed after the access check (``restrict``): staff in
their scope, the claim's own customer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from ..models import ClaimDocument


@require_GET
@login_required
def document(request: HttpRequest, document_id: int) -> FileResponse:
    doc = ClaimDocument.objects.restrict(request.user).filter(pk=document_id).first()
    if doc is None:
        raise Http404("document not found")
    return FileResponse(
        doc.file.open("rb"), content_type=doc.content_type, filename=doc.original_name
    )
