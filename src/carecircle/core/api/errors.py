"""Every failure leaves the API as JSON ``{"code", "field", "message"}`` with a 4xx status;
several input errors also come as a list under ``"errors"``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from carecircle.core.errors import DomainError

NOT_FOUND = "未找到或无权访问 / not found or not accessible to you"
FORBIDDEN = "无权执行此操作 / you are not allowed to do this"
UNAUTHORISED = "请先登录或提供有效令牌 / log in or send a valid API token"


TOO_LARGE_ERROR = {
    "code": "body_too_large",
    "field": None,
    "message": "请求体超过大小上限 / the request body is over the size limit",
}

OUT_OF_RANGE_ERROR = {
    "code": "out_of_range",
    "field": None,
    "message": "数值超出范围或过长 / a value is out of range or too long",
}


def _body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    body = dict(errors[0])
    if len(errors) > 1:
        body["errors"] = errors
    return body


def django_validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"code": e.code or "invalid", "field": field, "message": " ".join(e.messages)}
            for field, errs in exc.error_dict.items()
            for e in errs
        ]
    return [
        {"code": e.code or "invalid", "field": None, "message": " ".join(e.messages)}
        for e in exc.error_list
    ]


def ninja_validation_errors(exc: NinjaValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors:
        # loc is ("body", "payload", "premium") or ("query", "city"); the last part names the input.
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
        out.append(
            {
                "code": err.get("type", "invalid"),
                "field": ".".join(loc) or None,
                "message": f"输入不合法 / invalid input: {err.get('msg', '')}",
            }
        )
    return out or [{"code": "invalid", "field": None, "message": "输入不合法 / invalid input"}]


def install(api: NinjaAPI) -> None:
    def respond(request, errors: list[dict[str, Any]], status: int):
        return api.create_response(request, _body(errors), status=status)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return respond(request, [exc.as_dict()], exc.status)

    @api.exception_handler(ValidationError)
    def django_validation(request, exc: ValidationError):
        return respond(request, django_validation_errors(exc), 400)

    @api.exception_handler(NinjaValidationError)
    def input_validation(request, exc: NinjaValidationError):
        return respond(request, ninja_validation_errors(exc), 422)

    @api.exception_handler(PermissionDenied)
    def denied(request, exc: PermissionDenied):
        return respond(
            request,
            [{"code": "permission_denied", "field": None, "message": str(exc) or FORBIDDEN}],
            403,
        )

    @api.exception_handler(Http404)
    def not_found(request, exc: Http404):
        return respond(request, [{"code": "not_found", "field": None, "message": NOT_FOUND}], 404)

    @api.exception_handler(AuthenticationError)
    def unauthorised(request, exc: AuthenticationError):
        return respond(
            request, [{"code": "not_authenticated", "field": None, "message": UNAUTHORISED}], 401
        )

    # A number beyond the database's integer range (SQLite raises OverflowError, PostgreSQL a
    # DataError): the input is out of range, not a server fault.
    @api.exception_handler(OverflowError)
    def overflow(request, exc: OverflowError):
        return respond(request, [OUT_OF_RANGE_ERROR], 422)

    @api.exception_handler(DataError)
    def data_error(request, exc: DataError):
        return respond(request, [OUT_OF_RANGE_ERROR], 422)

    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django would answer its HTML 400 page.
    @api.exception_handler(RequestDataTooBig)
    def too_large(request, exc: RequestDataTooBig):
        return respond(request, [TOO_LARGE_ERROR], 413)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return respond(
            request, [{"code": "http_error", "field": None, "message": str(exc)}], exc.status_code
        )
