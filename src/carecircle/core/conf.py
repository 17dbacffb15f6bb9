"""Settings are read one way in every app.

Each app keeps its documented defaults in its own ``conf.py`` and reads them through
``AppSettings``: a deployment overrides any of them in ``settings.CARECIRCLE[SECTION]`` (or at
the top level of ``settings.CARECIRCLE`` for the few book-wide ones, ``section=None``).
Values are read at call time, so an override — or a test's ``override_settings`` — applies at
once, and a name nobody declared is an error rather than a silent default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def overrides(section: str | None) -> dict[str, Any]:
    """What the deployment set for ``section`` (top-level keys when ``section`` is None)."""
    configured: dict[str, Any] = dict(getattr(settings, "CARECIRCLE", {}))
    if section is None:
        return configured
    return dict(configured.get(section, {}))


class AppSettings:
    """An app's settings: ``DEFAULTS`` overridden by ``settings.CARECIRCLE[section]``."""

    def __init__(self, section: str | None, defaults: Mapping[str, Any]) -> None:
        self.section = section
        self.defaults = defaults

    def get(self, name: str) -> Any:
        if name not in self.defaults:
            raise KeyError(f"{self.section or 'CARECIRCLE'} has no setting {name!r}")
        return overrides(self.section).get(name, self.defaults[name])

    __getitem__ = get


def as_dataclass(
    cls: type[T],
    section: str,
    converters: Mapping[str, Callable[[Any], Any]] | None = None,
    **explicit: Any,
) -> T:
    """A settings dataclass: its defaults ← ``settings.CARECIRCLE[section]`` ← ``explicit``;
    ``converters`` turn configured text into the field's type; unknown names are refused."""
    values = overrides(section)
    values.update({k: v for k, v in explicit.items() if v is not None})
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - known)
    if unknown:
        raise ImproperlyConfigured(f"unknown CARECIRCLE[{section!r}] settings: {unknown}")
    for name, convert in (converters or {}).items():
        if name in values:
            values[name] = convert(values[name])
    return cls(**values)
