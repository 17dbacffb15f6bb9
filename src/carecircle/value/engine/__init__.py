"""The value batch engine: snapshot → features → scores → value → tiers → written back.

``pipeline.compute`` is pure Polars over the canonical tables (no Django), so the same
computation runs embedded, on Spark (``spark.py``) and in the pandas baseline of the benchmark.
"""
