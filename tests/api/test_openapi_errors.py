"""The OpenAPI document declares every refusal the API answers (issue #21): a body over the
upload limit is a 413 ``body_too_large`` in the error shape, so it is documented with the
error schema on every operation that takes a body, as the 422 is."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from carecircle.api.api import api as ninja_api

ERROR_REF = "#/components/schemas/ErrorOut"


def _operations_with_a_body() -> list[tuple[str, str, dict]]:
    # As served: JSON keys are strings (the built schema keys responses by int).
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


def _error_ref(operation: dict, status: str) -> str | None:
    response = operation["responses"].get(status)
    if response is None:
        return None
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_with_a_body_documents_the_413_body_too_large_with_the_error_schema():
    operations = _operations_with_a_body()
    assert len(operations) > 20  # the API's writes, not an empty walk
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations
        if _error_ref(operation, "413") != ERROR_REF
    ]
    assert missing == []


@pytest.mark.django_db
def test_the_served_openapi_document_declares_413_on_customer_create():
    document = Client().get("/api/openapi.json").json()
    response = document["paths"]["/api/customers"]["post"]["responses"]["413"]
    assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
