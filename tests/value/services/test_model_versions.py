"""Stored model versions: numbering per kind, one active version, reload, the fit command."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from carecircle.core.models import AuditLog
from carecircle.value.ml import FactorSpec, ModelSchemaError, RenewalSpec, fit_renewal_model
from carecircle.value.models import ModelVersion
from carecircle.value.services.model_versions import fit_from_book, load_model, store_model_version
from tests.value.synthetic import renewal_book

SPEC = RenewalSpec(
    factors=(FactorSpec("premium_change", bins=4), FactorSpec("channel", kind="categorical"))
)


@pytest.mark.django_db
def test_each_fit_is_the_next_version_of_its_kind_and_only_the_newest_is_active():
    book = renewal_book(rows=2_000)
    first = fit_from_book(book, SPEC)
    second = fit_from_book(book, SPEC)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    assert second.training_data_hash == first.training_data_hash
    assert second.training_data_hash.startswith("sha256:")
    assert AuditLog.objects.filter(object_type="value.modelversion").count() == 2


@pytest.mark.django_db
def test_a_stored_version_reloads_and_scores_exactly_like_the_fitted_model():
    book = renewal_book(rows=2_000)
    fitted = fit_renewal_model(book, SPEC)
    stored = store_model_version(fitted, name="synthetic")
    reloaded = load_model(ModelVersion.objects.get(pk=stored.pk))
    assert np.array_equal(reloaded.predict(book), fitted.predict(book))
    assert stored.coefficients["relativities"]["renewal"]["channel"][0]["relativity"] == 1.0
    assert stored.metrics["train_renewal_rate"] == fitted.metrics["train_renewal_rate"]


@pytest.mark.django_db
def test_a_stored_version_of_an_older_schema_is_refused_on_load():
    stored = store_model_version(fit_renewal_model(renewal_book(rows=2_000), SPEC), name="old")
    stored.coefficients = {**stored.coefficients, "schema_version": 0}
    with pytest.raises(ModelSchemaError, match="refit"):
        load_model(stored)


@pytest.mark.django_db
def test_value_fit_command_stores_a_renewal_model_from_eudirectlapse(datasets_dir, capsys):
    call_command("value", "fit", "--dataset", "eudirectlapse", "--datasets-dir", str(datasets_dir))
    stored = ModelVersion.objects.get()
    assert (stored.kind, stored.version, stored.name, stored.is_active) == (
        "renewal",
        1,
        "eudirectlapse",
        True,
    )
    assert stored.training_rows == 23_060
    assert "stored renewal model v1" in capsys.readouterr().out
