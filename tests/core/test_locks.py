"""Row locks: a service re-reads the row it changes under ``FOR UPDATE`` (its own table only),
and many rows always in primary-key order. The waiting is proven on PostgreSQL with threads."""

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from carecircle.core import locks
from carecircle.core.models import ApiToken, User
from tests.factories import UserFactory


def tokens(n: int) -> list[ApiToken]:
    user = UserFactory()
    return [ApiToken.issue(user, f"system {i}")[0] for i in range(n)]


@pytest.mark.django_db
def test_lock_reads_the_row_as_it_is_now():
    (token,) = tokens(1)
    ApiToken.objects.filter(pk=token.pk).update(name="renamed")
    with transaction.atomic():
        locked = locks.lock(ApiToken, pk=token.pk)
    assert (locked.pk, locked.name) == (token.pk, "renamed")


@pytest.mark.django_db
def test_lock_finds_the_row_only_within_the_queryset_it_is_given():
    token, other = tokens(2)
    ApiToken.objects.filter(pk=other.pk).update(revoked=True)
    live = ApiToken.objects.filter(revoked=False)
    with transaction.atomic():
        assert locks.lock(live, pk=token.pk) == token
        with pytest.raises(ApiToken.DoesNotExist):
            locks.lock(live, pk=other.pk)


@pytest.mark.django_db
def test_lock_all_returns_the_rows_in_primary_key_order_whatever_the_queryset_asked():
    made = tokens(4)
    with transaction.atomic():
        rows = locks.lock_all(ApiToken.objects.filter(user=made[0].user).order_by("-name"))
        pairs = locks.lock_all(ApiToken.objects.order_by("-pk").values_list("pk", "name"))
    assert [t.pk for t in rows] == sorted(t.pk for t in made)
    assert [pk for pk, _ in pairs] == sorted(t.pk for t in made)


@pytest.mark.django_db
def test_the_lock_is_on_the_models_own_table_and_the_order_fixed():
    (token,) = tokens(1)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locks.lock(ApiToken.objects.select_related("user"), pk=token.pk)
        locks.lock_all(ApiToken.objects.filter(user=token.user))
    one, many = (q["sql"] for q in queries.captured_queries)
    if connection.features.has_select_for_update_of:
        assert one.endswith('FOR UPDATE OF "api_apitoken"')
        assert 'ORDER BY "api_apitoken"."id" ASC' in many
        assert many.endswith('FOR UPDATE OF "api_apitoken"')
    else:  # SQLite: no row locks, the clause is left out
        assert "FOR UPDATE" not in one + many


# ---- on PostgreSQL: another connection really waits -------------------------------------


def from_another_connection(fn):
    """Run ``fn`` in a thread (its own database connection) and return its result or error."""
    out: list = [None]

    def run():
        try:
            with transaction.atomic():
                out[0] = fn()
        except Exception as exc:
            out[0] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return out[0]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (DATABASE_URL)")


@pytest.mark.django_db(transaction=True)
def test_a_locked_row_cannot_be_locked_again_until_the_holder_commits(postgres):
    (token,) = tokens(1)
    again = lambda: ApiToken.objects.select_for_update(nowait=True).get(pk=token.pk)  # noqa: E731
    with transaction.atomic():
        locks.lock(ApiToken, pk=token.pk)
        assert isinstance(from_another_connection(again), DatabaseError)
    assert from_another_connection(again) == token


@pytest.mark.django_db(transaction=True)
def test_rows_read_through_a_join_are_not_locked(postgres):
    (token,) = tokens(1)
    owner = lambda: User.objects.select_for_update(nowait=True).get(pk=token.user_id)  # noqa: E731
    with transaction.atomic():
        locked = locks.lock(ApiToken.objects.select_related("user"), pk=token.pk)
        assert from_another_connection(owner) == locked.user


@pytest.mark.django_db(transaction=True)
def test_two_writers_locking_the_same_rows_in_any_order_both_finish(postgres):
    made = tokens(6)
    ids = [t.pk for t in made]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def write(i):
        try:
            barrier.wait()
            with transaction.atomic():
                order = "pk" if i == 0 else "-pk"
                for row in locks.lock_all(ApiToken.objects.filter(pk__in=ids).order_by(order)):
                    ApiToken.objects.filter(pk=row.pk).update(name=f"{row.name} +{i}")
            results[i] = "done"
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == ["done", "done"]
    assert all(t.name.count("+") == 2 for t in ApiToken.objects.filter(pk__in=ids))
