"""Rating factors: bin continuous variables and group rare levels, then one-hot encode.

Every factor has a *base level* (the level with the most weight, usually exposure), which gets
no column, so its relativity is exactly 1.0 and every other level reads as "× base".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd  # a glum dependency; only used to hand codes to tabmat
import polars as pl
import tabmat
from sklearn.tree import DecisionTreeRegressor

OTHER = "(other)"


@dataclass(frozen=True)
class FactorSpec:
    """How one rating factor is built from one column of the frame.

    ``numeric`` columns are cut into bins: ``tree`` bins follow a one-variable Poisson (or
    squared-error) tree on the target, ``quantile`` bins have equal weight, ``edges`` are used
    as given.  ``categorical`` columns keep levels holding at least ``min_share`` of the weight
    and pool the rest into "(other)".
    """

    column: str
    kind: Literal["numeric", "categorical"] = "numeric"
    method: Literal["tree", "quantile"] = "tree"
    bins: int = 8
    min_share: float = 0.005
    edges: tuple[float, ...] | None = None


@dataclass
class Factor:
    """A fitted factor: its levels (base first) and, for numeric factors, the bin edges."""

    column: str
    kind: str
    levels: list[str]
    edges: list[float] = field(default_factory=list)
    # level index (into ``levels``) of each raw category, for categorical factors
    mapping: dict[str, int] = field(default_factory=dict)

    def codes(self, values: pl.Series) -> np.ndarray:
        """Level index of each row (0 = base level)."""
        if self.kind == "numeric":
            bin_of_row = np.searchsorted(
                np.asarray(self.edges), values.to_numpy().astype(float), side="right"
            )
            return np.asarray(self._bin_to_level, dtype=np.int64)[bin_of_row]
        fallback = self.mapping.get(OTHER, 0)  # unseen level: "(other)" if pooled, else base
        return (
            values.cast(pl.String)
            .replace_strict(self.mapping, default=fallback, return_dtype=pl.Int64)
            .to_numpy()
        )

    @property
    def _bin_to_level(self) -> list[int]:
        return [self.mapping[_interval_label(self.edges, i)] for i in range(len(self.edges) + 1)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "levels": self.levels,
            "edges": self.edges,
            "mapping": self.mapping,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Factor:
        return cls(
            column=data["column"],
            kind=data["kind"],
            levels=list(data["levels"]),
            edges=[float(e) for e in data["edges"]],
            mapping={str(k): int(v) for k, v in data["mapping"].items()},
        )


def _interval_label(edges: list[float], i: int) -> str:
    if not edges:
        return "all"
    if i == 0:
        return f"< {edges[0]:g}"
    if i == len(edges):
        return f"≥ {edges[-1]:g}"
    return f"[{edges[i - 1]:g}, {edges[i]:g})"


def _numeric_edges(
    spec: FactorSpec, x: np.ndarray, target: np.ndarray, weight: np.ndarray, poisson: bool
) -> list[float]:
    if spec.edges is not None:
        return sorted(float(e) for e in spec.edges)
    if spec.method == "quantile":
        qs = np.quantile(x, np.linspace(0, 1, spec.bins + 1)[1:-1])
        return sorted({float(q) for q in qs if x.min() < q <= x.max()})
    # A one-variable tree on the target puts cuts where the risk changes, not where data is.
    # Rows sharing a value are pooled first (weight summed, target weight-averaged): both split
    # criteria depend on a node only through Σw and Σw·y, so the cuts are the same, and the tree
    # sees hundreds of points instead of a hundred thousand.
    pooled = (
        pl.DataFrame({"x": x, "w": weight, "wy": weight * target})
        .group_by("x")
        .agg(pl.col("w", "wy").sum())
        .sort("x")
    )
    values, pooled_weight, pooled_target = (pooled[c].to_numpy() for c in ("x", "w", "wy"))
    tree = DecisionTreeRegressor(
        criterion="poisson" if poisson else "squared_error",
        max_leaf_nodes=spec.bins,
        min_weight_fraction_leaf=0.02,
        random_state=0,
    )
    tree.fit(
        values.reshape(-1, 1),
        pooled_target / np.where(pooled_weight > 0, pooled_weight, 1.0),
        sample_weight=pooled_weight,
    )
    thresholds = tree.tree_.threshold[tree.tree_.feature == 0]
    # sklearn sends x <= t left; searchsorted(side="right") on the next value keeps that split
    return sorted({float(np.nextafter(t, np.inf)) for t in thresholds})


def fit_factor(
    spec: FactorSpec, values: pl.Series, target: np.ndarray, weight: np.ndarray, poisson: bool
) -> Factor:
    """Learn bins or levels of one factor; the heaviest level becomes the base."""
    if spec.kind == "numeric":
        x = values.to_numpy().astype(float)
        edges = _numeric_edges(spec, x, target, weight, poisson)
        bins = np.searchsorted(np.asarray(edges), x, side="right")
        labels = [_interval_label(edges, i) for i in range(len(edges) + 1)]
        totals = np.bincount(bins, weights=weight, minlength=len(labels))
        # Empty bins cannot be estimated: fold them into the heaviest bin (the base).
        base = int(np.argmax(totals))
        levels = [labels[base]] + [lab for i, lab in enumerate(labels) if i != base and totals[i]]
        mapping = {lab: (levels.index(lab) if lab in levels else 0) for lab in labels}
        return Factor(spec.column, "numeric", levels, edges, mapping)

    counted = (
        pl.DataFrame({"name": values.cast(pl.String), "w": weight})
        .group_by("name")
        .agg(pl.col("w").sum())
        .sort("name")
    )
    names, totals = counted["name"].to_list(), counted["w"].to_numpy()
    share = totals / totals.sum()
    kept = [str(n) for n, s in zip(names, share, strict=True) if s >= spec.min_share]
    pooled = [str(n) for n, s in zip(names, share, strict=True) if s < spec.min_share]
    weight_of = {str(n): t for n, t in zip(names, totals, strict=True)}
    level_weight = {k: weight_of[k] for k in kept}
    if pooled:
        level_weight[OTHER] = sum(weight_of[p] for p in pooled)
    levels = sorted(level_weight, key=lambda lev: -level_weight[lev])
    mapping = {lev: levels.index(lev) for lev in levels}
    mapping.update({p: levels.index(OTHER) for p in pooled})
    return Factor(spec.column, "categorical", levels, [], mapping)


@dataclass
class Design:
    """The fitted set of factors: turns a frame into the GLM's dummy matrix."""

    factors: list[Factor]

    @property
    def column_names(self) -> list[str]:
        return [f"{f.column}={lev}" for f in self.factors for lev in f.levels[1:]]

    def matrix(self, frame: pl.DataFrame) -> tabmat.SplitMatrix:
        """Sparse one-hot design for glum (tabmat categoricals; base level dropped)."""
        # A pandas Categorical built from the codes is taken as is; plain codes would be
        # range-checked by tabmat with Python's max()/min() over every row.
        return tabmat.SplitMatrix(
            [
                tabmat.CategoricalMatrix(
                    pd.Categorical.from_codes(
                        f.codes(frame[f.column]), categories=np.arange(len(f.levels))
                    ),
                    drop_first=True,
                    column_name=f.column,
                )
                for f in self.factors
            ]
        )

    def linear_predictor(
        self, frame: pl.DataFrame, intercept: float, coefficients: np.ndarray
    ) -> np.ndarray:
        """intercept + Σ coefficient of each row's level: table look-ups, no dense matrix."""
        eta = np.full(frame.height, intercept, dtype=np.float64)
        start = 0
        for f in self.factors:
            width = len(f.levels) - 1
            table = np.concatenate(([0.0], coefficients[start : start + width]))
            eta += table[f.codes(frame[f.column])]
            start += width
        return eta

    def to_dict(self) -> list[dict[str, Any]]:
        return [f.to_dict() for f in self.factors]

    @classmethod
    def from_dict(cls, data: list[dict[str, Any]]) -> Design:
        return cls([Factor.from_dict(d) for d in data])


def fit_design(
    frame: pl.DataFrame,
    specs: list[FactorSpec],
    target: np.ndarray,
    weight: np.ndarray,
    poisson: bool,
) -> Design:
    return Design([fit_factor(s, frame[s.column], target, weight, poisson) for s in specs])
