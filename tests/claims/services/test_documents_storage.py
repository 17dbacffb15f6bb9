"""Claim documents in an S3-compatible object store when CARECIRCLE_S3_BUCKET is set
(settings._file_storage): stored privately under the prefix, never overwritten, streamed back
only through the claim's document view. boto3 talks to moto's S3 in-process."""

import boto3
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from moto import mock_aws

from carecircle import settings as project_settings
from carecircle.claims import services
from carecircle.claims.models import ClaimDocument
from tests.factories.claims import at, customer_user, policy_with_cover

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
S3_ENV = {
    "CARECIRCLE_S3_BUCKET": "claims-docs",
    "CARECIRCLE_S3_REGION": "cn-north-1",
    "CARECIRCLE_S3_ACCESS_KEY": "test-key",
    "CARECIRCLE_S3_SECRET_KEY": "test-secret",
}


def test_without_a_bucket_files_stay_on_disk(monkeypatch):
    monkeypatch.delenv("CARECIRCLE_S3_BUCKET", raising=False)
    assert project_settings._file_storage() == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


@pytest.fixture
def s3_storage(monkeypatch):
    for name, value in S3_ENV.items():
        monkeypatch.setenv(name, value)
    config = project_settings._file_storage()
    with mock_aws():
        s3 = boto3.client("s3", region_name="cn-north-1")
        s3.create_bucket(
            Bucket="claims-docs", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"}
        )
        with override_settings(STORAGES={**project_settings.STORAGES, "default": config}):
            storages._storages.pop("default", None)  # the handler caches the backend
            yield s3
        storages._storages.pop("default", None)


def test_claim_photos_go_to_the_bucket_privately_and_come_back_through_the_view(
    today, s3_storage, client
):
    policy = policy_with_cover()
    user = customer_user(policy)
    same_name = [SimpleUploadedFile("IMG_0001.png", PNG, content_type="image/png") for _ in "ab"]
    claim = services.report_claim(
        acting_user=user, policy=policy, accident_at=at(1, 15), channel="h5", photos=same_name
    )
    docs = list(ClaimDocument.objects.filter(claim=claim).order_by("pk"))
    keys = sorted(o["Key"] for o in s3_storage.list_objects_v2(Bucket="claims-docs")["Contents"])
    assert len(keys) == 2 and len(set(keys)) == 2  # the same file name twice: both kept
    assert all(k.startswith("carecircle/") for k in keys)
    assert sorted(f"carecircle/{d.file.name}" for d in docs) == keys
    grants = s3_storage.get_object_acl(Bucket="claims-docs", Key=keys[0])["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # owner only: not public
    client.force_login(user)
    response = client.get(f"/claims/documents/{docs[0].pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
