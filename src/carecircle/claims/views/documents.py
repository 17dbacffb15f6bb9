"""A claim's photo or document, streamed after the access check (``restrict``): staff in
their scope, the claim's own customer, the shop the claim was sent to. Every download is
audited (a VIEW row naming the document and the claim); a document outside the scope is a
404 and serves nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from carecircle.core import audit
from carecircle.core.models import AuditLog

from ..models import ClaimDocument


@require_GET
@login_required
def document(request: HttpRequest, document_id: int) -> FileResponse:
    doc = ClaimDocument.objects.restrict(request.user).filter(pk=document_id).first()
    if doc is None:
        raise Http404("document not found")
    response = FileResponse(
        doc.file.open("rb"), content_type=doc.content_type, filename=doc.original_name
    )
    audit.record(
        request.user,
        AuditLog.Action.VIEW,
        doc,
        summary=f"claim document {doc.original_name} of claim {doc.claim_id}",
    )
    return response
