"""The canonical exchange layout (ingest/schema.py) and the value engine's database snapshot
(value/engine/export.py) agree: the snapshot's columns carry the canonical types, so the
value pipeline reads a generated book and an exported database alike. (value sits below
ingest and may not import it; this test, on ingest's side, holds the two together.)"""

from carecircle.ingest.schema import TABLES
from carecircle.value.engine.export import LAYOUT, QUERIES


def test_the_snapshot_layout_covers_exactly_the_columns_it_exports():
    assert set(LAYOUT) == set(QUERIES)
    for table, (select, _source) in QUERIES.items():
        assert list(LAYOUT[table]) == [name for _, name in select], table


def test_every_canonical_table_the_snapshot_exports_has_the_canonical_types():
    shared = [table for table in LAYOUT if table in TABLES]
    assert shared == ["customers", "vehicles", "policies", "claims", "interactions"]
    for table in shared:
        for column, dtype in LAYOUT[table].items():
            assert TABLES[table][column] == dtype, (table, column)
