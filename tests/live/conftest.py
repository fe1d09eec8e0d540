import pytest

from tests.live.factories import LiveSessionFactory


@pytest.fixture
def session(cohort):
    return LiveSessionFactory(cohort=cohort)
