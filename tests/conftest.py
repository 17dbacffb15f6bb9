import os
from pathlib import Path

import pytest

os.environ.setdefault("CARECIRCLE_FAST_PASSWORDS", "1")

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture
def datasets_dir() -> Path:
    if not (DATASETS / "fremotor1prem.parquet").exists():
        pytest.skip("../shared/datasets is absent")
    return DATASETS
