"""Settings for the alliance load test: the project's, with the alliance API mounted under
/alliance-api/ (benchmarks/alliance_bench_urls.py) until api/api.py mounts the router."""

from carecircle.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.alliance_bench_urls"
