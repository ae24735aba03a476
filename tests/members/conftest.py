import pytest


@pytest.fixture(autouse=True)
def _members_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TEST_PAYMENTS_ENABLED = True
    settings.STRIPE_SECRET_KEY = ""
