"""Keys that pass the key check (core/keys.py), for tests that run the real console script in
a subprocess. Test-only values: never use them anywhere else."""

SECRET_KEY = "Tcjutsh1UoGXBip1w6ObiNtH9Rxx4tuL93bMZ_egZslRPq7Q_OSpj3CNTpq5r0CUUl4"
FIELD_KEY = "-ZfcU7F2Vw-dXuIZd7c5HYhUr8V_gANxGquwzRQPpEQ="
OTHER_FIELD_KEY = "ewzn_ICrSXYEXXphol-lGFdl4vKSdZudrRX7SnHQGTI="

REAL_KEYS = {"SECRET_KEY": SECRET_KEY, "CARECIRCLE_FIELD_KEY": FIELD_KEY}
KEY_ENV = (
    "SECRET_KEY",
    "CARECIRCLE_FIELD_KEY",
    "CARECIRCLE_FIELD_KEYS_PREVIOUS",
    "CARECIRCLE_ALLOW_DEMO_KEYS",
)


def without_keys(env: dict[str, str]) -> dict[str, str]:
    """``env`` with no key variable at all (the demo values apply)."""
    return {k: v for k, v in env.items() if k not in KEY_ENV}
