"""The ``stripe_fake`` pytest fixture: a :class:`StripeFake` on a free port with the SDK
pointed at it.

To use it from another test package, import it into that package's ``conftest.py``::

    from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401

Both ways of calling the SDK reach the fake (checked against ``stripe`` 16.1.0):

* the module-level API (``stripe.checkout.Session.create(...)``, ``stripe.Refund.create(...)``)
  reads ``stripe.api_base`` and ``stripe.api_key`` at call time; the fixture sets them to
  ``fake.url`` and ``"sk_test_fake"`` and puts them back afterwards;
* a ``stripe.StripeClient`` takes the address when it is built:
  ``stripe.StripeClient("sk_test_fake", base_addresses={"api": fake.url})``, which is what
  ``fake.client()`` returns. Code that builds its own client must take the address from
  configuration for its tests to reach the fake.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe

from tests.stripe_fake.server import TEST_API_KEY, StripeFake

_LOCAL = ("127.0.0.1", "localhost")


@contextmanager
def sdk_pointed_at(fake: StripeFake, api_key: str = TEST_API_KEY) -> Iterator[StripeFake]:
    """Point the SDK's module-level settings at ``fake`` for the duration of the block;
    a proxy set in the environment is bypassed for the fake's address."""
    saved = {"api_base": stripe.api_base, "api_key": stripe.api_key}
    saved_env = {name: os.environ.get(name) for name in ("NO_PROXY", "no_proxy")}
    stripe.api_base = fake.url
    stripe.api_key = api_key
    for name, value in saved_env.items():
        hosts = [h for h in (value or "").split(",") if h]
        os.environ[name] = ",".join([*hosts, *(h for h in _LOCAL if h not in hosts)])
    try:
        yield fake
    finally:
        stripe.api_base = saved["api_base"]
        stripe.api_key = saved["api_key"]
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def stripe_fake() -> Iterator[StripeFake]:
    """A running :class:`StripeFake`, the ``stripe`` module pointed at it."""
    with StripeFake() as fake, sdk_pointed_at(fake):
        yield fake
