from tests.stripe_fake.fixtures import stripe_fake  # noqa: F401
