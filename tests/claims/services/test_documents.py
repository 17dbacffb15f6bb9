"""Photos that are not images, too large, or with a wrong extension are rejected clearly."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from carecircle.claims import services
from carecircle.claims.models import Claim, ClaimDocument
from carecircle.core.errors import DomainError
from tests.factories.claims import at, customer_user, policy_with_cover, staff

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def photo(name, content, ctype="image/png"):
    return SimpleUploadedFile(name, content, content_type=ctype)


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def report(policy, user, photos):
    return services.report_claim(
        acting_user=user, policy=policy, accident_at=at(1, 15), photos=photos, channel="h5"
    )


def test_a_real_photo_is_stored_through_the_default_storage(today, media):
    policy = policy_with_cover()
    claim = report(policy, customer_user(policy), [photo("scratch.png", PNG), photo("a.JPG", JPEG)])
    docs = list(ClaimDocument.objects.filter(claim=claim).order_by("pk"))
    assert [(d.original_name, d.content_type, d.size) for d in docs] == [
        ("scratch.png", "image/png", 72),
        ("a.JPG", "image/jpeg", 68),
    ]
    assert (media / docs[0].file.name).read_bytes() == PNG


@pytest.mark.parametrize(
    ("name", "content", "code", "text"),
    [
        ("virus.exe", PNG, "upload_extension", "file type .exe is not accepted"),
        ("fake.png", b"MZ\x90\x00not a picture", "upload_not_image", "is not a real image"),
        ("renamed.jpg", PNG, "upload_not_image", "does not match .jpg"),
        ("empty.png", b"", "upload_not_image", "is not a real image"),
    ],
)
def test_bad_photos_are_refused_before_anything_is_written(today, media, name, content, code, text):
    policy = policy_with_cover()
    with pytest.raises(DomainError) as e:
        report(policy, customer_user(policy), [photo("ok.png", PNG), photo(name, content)])
    assert (e.value.code, e.value.field) == (code, "file")
    assert text in e.value.message
    assert Claim.objects.count() == 0 and ClaimDocument.objects.count() == 0


def test_a_photo_above_the_size_limit_is_refused(today, media):
    policy = policy_with_cover()
    big = photo("big.png", PNG + b"\x00" * 2048)
    limits = {"CLAIMS": {"PHOTO_MAX_BYTES": 1024}, "NCD_LADDER": {}}
    with override_settings(CARECIRCLE=limits), pytest.raises(DomainError) as e:
        report(policy, customer_user(policy), [big])
    assert e.value.code == "upload_too_large"
    assert "file is too large (2 KB)" in e.value.message


def test_a_pdf_is_accepted_as_a_document_but_not_as_a_photo(today, media):
    policy = policy_with_cover()
    people = staff()
    claim = report(policy, people["handler"], [])
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    docs = services.upload_documents(claim, [pdf], acting_user=customer_user(policy))
    assert docs[0].content_type == "application/pdf"
    with pytest.raises(DomainError) as e:
        services.upload_documents(
            claim,
            [SimpleUploadedFile("x.pdf", b"%PDF-1.7")],
            acting_user=people["handler"],
            kind="photo",
        )
    assert e.value.code == "upload_extension"
