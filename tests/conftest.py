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


# Browser fixtures for every test package (tests/browser, tests/web): one Chromium per session.
from tests.playwright_fixtures import browser, page  # noqa: E402, F401
