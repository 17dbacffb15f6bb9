"""Bad input in a snapshot: refuse what would make the run wrong, set aside what can be.

- currencies mixed in one run → refused (a yuan and a euro premium cannot be added);
- a policy without exposure (no dates, or expiry not after effective) or with a negative
  premium → left out and counted;
- a claim whose policy is not in the snapshot → left out and counted;
- a customer with no history → kept: no premium, no value, standard tier, reason ``no_cover``.
"""

from __future__ import annotations

import polars as pl

from .pipeline import Inputs


class ValueInputError(ValueError):
    """The snapshot cannot be valued as it is; the message names what to fix."""


def clean_inputs(inputs: Inputs, currency: str | None = None) -> tuple[Inputs, dict[str, int]]:
    policies = inputs.policies
    currencies = (
        policies.select(pl.col("currency").drop_nulls().unique().sort())
        .collect(engine="streaming")
        .to_series()
    )
    if currency is not None:
        policies = policies.filter(pl.col("currency") == currency)
    elif len(currencies) > 1:
        raise ValueInputError(
            "currencies mixed in one run: "
            + ", ".join(currencies.to_list())
            + " — run once per currency (carecircle value run --currency CNY) / "
            "同一批次中币种不一致,请按币种分别运行"
        )
    no_exposure = (
        pl.col("effective_date").is_null()
        | pl.col("expiry_date").is_null()
        | (pl.col("expiry_date") <= pl.col("effective_date"))
    )
    negative = pl.col("premium").is_null() | (pl.col("premium") < 0)
    good_policies = policies.filter(~no_exposure & ~negative)
    # Both scans in one go on the streaming engine (they share the policy scan).
    counts_row, orphans = pl.collect_all(
        [
            policies.select(
                policies=pl.len(),
                policies_without_exposure=no_exposure.sum(),
                policies_negative_premium=(negative & ~no_exposure).sum(),
            ),
            inputs.claims.join(
                good_policies.select("policy_no"), on="policy_no", how="anti"
            ).select(pl.len()),
        ],
        engine="streaming",
    )
    counts = {k: int(v) for k, v in counts_row.row(0, named=True).items()}
    counts["claims_without_policy"] = int(orphans.item())
    if currency is None and len(currencies) == 1:
        counts_currency = str(currencies[0])
    else:
        counts_currency = currency or ""
    inputs.notes.append(f"currency={counts_currency}")
    return (
        Inputs(
            customers=inputs.customers,
            policies=good_policies,
            claims=inputs.claims,
            interactions=inputs.interactions,
            prior=inputs.prior,
            scores=inputs.scores,
            notes=inputs.notes,
        ),
        counts,
    )
