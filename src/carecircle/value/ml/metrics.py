"""Scores used to compare models: deviance, AUC, log-loss and calibration by decile."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score


def poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Mean unit Poisson deviance 2·[y·log(y/μ) − (y − μ)] (the y = 0 term is 2μ)."""
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    safe_y = np.where(y > 0, y, 1.0)
    term = np.where(y > 0, y * np.log(safe_y / mu), 0.0)
    return float(np.mean(2.0 * (term - (y - mu))))


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score))


def calibration_by_decile(
    observed: np.ndarray, predicted: np.ndarray, weight: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Rows sorted by prediction, cut into ten equal-weight groups; observed vs predicted.

    For a frequency model pass counts as ``observed``, expected counts as ``predicted`` and
    exposure as ``weight``; the figures are then frequencies per unit of weight.
    """
    observed = np.asarray(observed, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    w = np.ones_like(predicted) if weight is None else np.asarray(weight, dtype=float)
    order = np.argsort(predicted / w, kind="stable")
    cum = np.cumsum(w[order])
    group = np.minimum((cum / cum[-1] * 10).astype(int), 9)
    out = []
    for d in range(10):
        rows = order[group == d]
        total = w[rows].sum()
        if total == 0:
            continue
        out.append(
            {
                "decile": d + 1,
                "weight": round(float(total), 3),
                "predicted": round(float(predicted[rows].sum() / total), 5),
                "observed": round(float(observed[rows].sum() / total), 5),
            }
        )
    return out
