"""The payments settings as each environment reads them (a fresh interpreter per case)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "a-long-random-production-secret-" + "k7Qx9Lm2Vb8Nc4Zr1Tw6Yp3Hs5Jd0Fg",
    "ALLOWED_HOSTS": "shop.example.jp",
}
NAMES = [
    "TEST_PAYMENTS_ENABLED",
    "TEST_PAYMENTS_WEBHOOK_SECRET",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
]


def payments_settings(**env: str) -> dict:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ENV", *NAMES}
    }
    environment.update(env)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "omostore.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_test_provider_is_off_in_production_and_on_in_development():
    assert payments_settings(**PRODUCTION)["TEST_PAYMENTS_ENABLED"] is False
    assert payments_settings(SECRET_KEY="dev-key")["TEST_PAYMENTS_ENABLED"] is True


def test_the_test_webhook_secret_is_derived_from_the_secret_key():
    one = payments_settings(SECRET_KEY="one-key")["TEST_PAYMENTS_WEBHOOK_SECRET"]
    same = payments_settings(SECRET_KEY="one-key")["TEST_PAYMENTS_WEBHOOK_SECRET"]
    other = payments_settings(SECRET_KEY="another-key")["TEST_PAYMENTS_WEBHOOK_SECRET"]

    assert one == same != other
    assert one.startswith("whsec_test_")
    assert "one-key" not in one


def test_stripe_is_configured_from_the_environment():
    read = payments_settings(
        SECRET_KEY="k",
        STRIPE_SECRET_KEY="sk_test_123",
        STRIPE_WEBHOOK_SECRET="whsec_123",
        STRIPE_API_BASE="http://127.0.0.1:12111",
    )

    assert (read["STRIPE_SECRET_KEY"], read["STRIPE_WEBHOOK_SECRET"]) == (
        "sk_test_123",
        "whsec_123",
    )
    assert read["STRIPE_API_BASE"] == "http://127.0.0.1:12111"
    assert payments_settings(SECRET_KEY="k")["STRIPE_SECRET_KEY"] == ""
