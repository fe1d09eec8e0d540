"""The race helper hands back what each racer returned, a DomainError as an answer, and
fails the test on anything else."""

import pytest

from lms.errors import Conflict
from tests.concurrency import race


def _refuse():
    raise Conflict("Taken already.")


def _crash():
    raise ZeroDivisionError("a bug")


def test_results_come_back_in_order_with_domain_errors_as_answers():
    results = race([lambda: 1, _refuse, lambda: "three"])
    assert results[0] == 1 and results[2] == "three"
    assert isinstance(results[1], Conflict)


def test_any_other_exception_fails_the_race():
    with pytest.raises(ZeroDivisionError, match="a bug"):
        race([lambda: 1, _crash])


def test_several_unexpected_exceptions_are_raised_together():
    with pytest.raises(ExceptionGroup) as caught:
        race([_crash, _refuse, _crash])
    assert [type(e) for e in caught.value.exceptions] == [ZeroDivisionError] * 2
