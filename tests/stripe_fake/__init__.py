"""Stripe's v1 API as a local test server, for driving the real ``stripe`` SDK in tests."""
