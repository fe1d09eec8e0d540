"""The personal-data registry cannot go stale: every field of every model is declared."""

import pytest
from django.apps import apps
from django.conf import settings

from lms.privacy import Category, Erasure, declare
from privacy import registry


def test_every_field_of_every_model_is_classified():
    problems = registry.unclassified()
    assert not problems, "Declare these in the app's personal_data.py:\n" + "\n".join(
        map(str, problems)
    )


def test_a_field_added_without_a_classification_is_reported(monkeypatch):
    """The check itself can fail: drop one field from a declaration and it says which."""
    found = dict(registry.declarations())
    enrolment = found["cohorts.enrolment"]
    personal = dict(enrolment.personal)
    del personal["status"]
    found["cohorts.enrolment"] = declare(
        enrolment.label,
        personal=personal,
        other=enrolment.other,
        subject=enrolment.subject,
        purpose=enrolment.purpose,
        basis=enrolment.basis,
        retention=enrolment.retention,
    )
    found["cohorts.cohort"] = declare("cohorts.Cohort", other="id name")
    monkeypatch.setattr(registry, "declarations", lambda: found)
    problems = {str(p) for p in registry.unclassified()}
    assert "cohorts.Enrolment.status: not classified" in problems
    assert "cohorts.Cohort.starts_on: not classified" in problems
    assert "cohorts.Cohort.instructors: not classified" in problems


def test_history_tables_follow_their_model_and_name_who_changed():
    history = apps.get_model("cohorts", "HistoricalEnrolment")
    declaration = registry.declaration_for(history)
    assert declaration.subject == "user"
    assert declaration.personal["history_user"] == Category.IDENTITY
    assert declaration.personal["user"] == Category.IDENTITY


def test_the_account_is_anonymised_and_fiscal_records_are_kept_reduced():
    user = registry.declaration_for(apps.get_model(settings.AUTH_USER_MODEL))
    assert user.on_erasure == Erasure.ANONYMISE
    assert {"email", "username", "first_name", "last_name"} <= set(user.personal)
    invoice = registry.declarations()["payments.invoice"]
    assert invoice.on_erasure == Erasure.KEEP_REDUCED
    assert {"number", "amount", "currency"} <= invoice.fiscal_keep


@pytest.mark.parametrize("label", sorted(registry.declarations()))
def test_each_declaration_with_personal_data_says_why_how_and_how_long(label):
    declaration = registry.declarations()[label]
    if declaration.personal:
        assert declaration.purpose and declaration.basis and declaration.retention
        assert declaration.on_erasure in Erasure.values
        assert set(declaration.fiscal_keep) <= set(declaration.personal)
