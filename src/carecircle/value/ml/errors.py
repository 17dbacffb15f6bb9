"""Errors the model layer raises; each message names the column or the rule that failed."""

from __future__ import annotations


class ModelInputError(ValueError):
    """The frame given to fit or score breaks a rule (missing column, bad exposure, NaN …)."""


class ModelSchemaError(ValueError):
    """A stored model dict was written by another schema version and cannot be trusted."""
