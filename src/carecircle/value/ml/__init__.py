"""Pure-Python model layer (no Django): rating factors, GLMs fitted with glum, challengers.

from carecircle.value.ml import FactorSpec, RiskSpec, fit_risk_model, FittedModel
model = fit_risk_model(frame, spec); model.predict(frame); FittedModel.from_dict(model.to_dict())
"""

from .encoding import FactorSpec
from .errors import ModelInputError, ModelSchemaError
from .fitted import (
    SCHEMA_VERSION,
    FittedModel,
    RenewalSpec,
    RiskSpec,
    fit_renewal_model,
    fit_risk_model,
)

__all__ = [
    "SCHEMA_VERSION",
    "FactorSpec",
    "FittedModel",
    "ModelInputError",
    "ModelSchemaError",
    "RenewalSpec",
    "RiskSpec",
    "fit_renewal_model",
    "fit_risk_model",
]
