"""Checks on uploaded photos and documents: size, extension, and the file's real type from its
first bytes (Pillow is not a dependency, so the magic numbers are checked here)."""

from __future__ import annotations

from carecircle.core.errors import DomainError

MAGIC: dict[str, tuple[bytes, ...]] = {
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
}
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
IMAGES = frozenset({"jpg", "jpeg", "png", "webp"})


def check_upload(
    name: str, head: bytes, size: int, *, max_bytes: int, extensions: list[str], photo: bool
) -> str:
    """The content type of a valid upload; a DomainError naming the rule otherwise."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = [e for e in extensions if not photo or e in IMAGES]
    if ext not in allowed:
        raise DomainError(
            "upload_extension",
            f"文件 {name} 的类型 .{ext} 不支持，请上传 {'/'.join(allowed)} / file type .{ext} "
            f"is not accepted; upload {', '.join(allowed)}",
            "file",
        )
    if size > max_bytes:
        raise DomainError(
            "upload_too_large",
            f"文件 {name} 过大({size // 1024} KB)，上限 {max_bytes // 1024 // 1024} MB / file is "
            f"too large ({size // 1024} KB); the limit is {max_bytes // 1024 // 1024} MB",
            "file",
        )
    if (
        size == 0
        or not any(head.startswith(m) for m in MAGIC[ext])
        or (ext == "webp" and head[8:12] != b"WEBP")
    ):
        what = "图片" if ext in IMAGES else "PDF"
        raise DomainError(
            "upload_not_image" if ext in IMAGES else "upload_not_pdf",
            f"文件 {name} 不是有效的{what} / {name} is not a real "
            f"{'image' if ext in IMAGES else 'PDF'} (its content does not match .{ext})",
            "file",
        )
    return CONTENT_TYPES[ext]
