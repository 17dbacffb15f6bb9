"""Photos and documents on a claim: every file is checked (extension, size, its real type from
the first bytes; ``rules.uploads``) before any is stored, then stored through the default
storage (disk, or the S3 bucket when one is configured)."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from carecircle.core import audit, clock
from carecircle.core.errors import DomainError
from carecircle.core.models import AuditLog
from carecircle.core.roles import Perm, has_perm

from .. import conf
from ..choices import DocumentKind
from ..models import Claim, ClaimDocument
from ..rules.uploads import check_upload
from .locks import lock_claim
from .permissions import ensure_visible, is_own_customer


def check_file(upload: UploadedFile, *, photo: bool) -> str:
    """The file's content type, or a DomainError naming the rule it breaks."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return check_upload(
        upload.name or "",
        head,
        upload.size or 0,
        max_bytes=conf.get("PHOTO_MAX_BYTES"),
        extensions=conf.get("UPLOAD_EXTENSIONS"),
        photo=photo,
    )


def store_document(
    claim: Claim, upload: UploadedFile, kind: str, actor, content_type: str = ""
) -> ClaimDocument:
    content_type = content_type or check_file(upload, photo=kind == DocumentKind.PHOTO)
    ext = (upload.name or "").rsplit(".", 1)[-1].lower()
    doc = ClaimDocument(
        claim=claim,
        kind=kind,
        original_name=(upload.name or "")[:128],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=clock.now(),
    )
    doc.file.save(f"{uuid.uuid4().hex}.{ext}", upload, save=False)
    doc.save()
    return doc


def upload_documents(
    claim: Claim, files: list[UploadedFile], *, acting_user, kind: str = DocumentKind.DOCUMENT
) -> list[ClaimDocument]:
    """Photos or documents on a claim; all files are checked before any is stored."""
    ensure_visible(acting_user, claim)
    if not (has_perm(acting_user, Perm.HANDLE_CLAIMS) or is_own_customer(acting_user, claim)):
        raise PermissionDenied("无权上传 / you may not upload to this claim")
    if kind not in DocumentKind.values:
        raise DomainError("document_kind", "文件类型不合法 / unknown document kind", "kind")
    if not files:
        raise DomainError("file_required", "请选择文件 / choose a file", "file")
    for f in files:
        check_file(f, photo=kind == DocumentKind.PHOTO)
    with transaction.atomic():
        claim = lock_claim(claim)
        docs = [store_document(claim, f, kind, acting_user) for f in files]
        audit.record(
            acting_user, AuditLog.Action.UPDATE, claim, summary=f"{len(docs)} file(s) uploaded"
        )
    return docs
