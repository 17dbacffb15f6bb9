"""Name-contains search: exact LIKE semantics, and on PostgreSQL served by the
character-pair index (pg_trgm makes no trigrams from Chinese under a C.UTF-8 ctype)."""

import pytest
from django.db import connection

from carecircle.parties.models import Customer
from carecircle.parties.selectors import name_contains, name_grams
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NAMES = [
    "张三丰",
    "欧阳晓明",
    "王晓",
    "明晓",
    "上海晓明汽车服务有限公司",
    "Li Xiaoming",
    "晓晓明",
    "100%车行",
    "a_b",
]


@pytest.fixture
def named():
    return {name: CustomerFactory(name=name).pk for name in NAMES}


def test_query_grams_are_its_character_pairs_or_the_single_character():
    assert name_grams("晓") == ["晓"]
    assert name_grams("晓明") == ["晓明"]
    assert name_grams("欧阳晓") == ["欧阳", "阳晓"]
    assert name_grams("晓晓晓") == ["晓晓"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("晓明", ["欧阳晓明", "上海晓明汽车服务有限公司", "晓晓明"]),
        ("晓", ["欧阳晓明", "王晓", "明晓", "上海晓明汽车服务有限公司", "晓晓明"]),
        ("明晓", ["明晓"]),  # the pair in the other order is not a match
        ("晓晓明", ["晓晓明"]),
        ("汽车服务", ["上海晓明汽车服务有限公司"]),
        ("Xiao", ["Li Xiaoming"]),
        ("%车", ["100%车行"]),  # LIKE wildcards are literal
        ("_", ["a_b"]),
        ("三丰张", []),
        ("欧阳晓明先生", []),  # longer than any name
    ],
)
def test_name_contains_finds_exactly_the_names_holding_the_text_in_order(named, query, expected):
    found = set(name_contains(Customer.objects.all(), query).values_list("name", flat=True))
    assert found == set(expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL only")
def test_postgresql_serves_a_chinese_name_contains_query_from_the_pair_index(named):
    query = name_contains(Customer.objects.all(), "晓明").order_by("pk")[:26]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny test tables make a sequential scan cheapest; forbid it to see whether the
        # index *can* serve the expression (it cannot when the expressions differ).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # nor walk the primary key
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_name_grams" in plan, plan
