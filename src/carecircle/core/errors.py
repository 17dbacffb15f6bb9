"""One exception for broken business rules, raised by services and rules, shown by the API.

``code`` is stable for machines, ``field`` names the input at fault (None for the whole
request), ``message`` is bilingual (中文 / English) for people.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, field: str | None = None, *, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.status = status

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "message": self.message}


def invalid(field: str, exc: ValidationError) -> DomainError:
    """A validator's ValidationError re-raised as a DomainError naming the input field."""
    return DomainError(exc.code or "invalid", " ".join(str(m) for m in exc.messages), field)
