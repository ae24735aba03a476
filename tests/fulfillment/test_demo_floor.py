"""The demo store has an account for every floor role, each landing on its own screen."""

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from omostore.demo import DEMO_PASSWORD, DEMO_STORE_CODE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("email", "lands_on"),
    [
        ("picker@example.com", f"/staff/stores/{DEMO_STORE_CODE}/"),
        ("packer@example.com", f"/staff/stores/{DEMO_STORE_CODE}/pack/"),
        ("counter@example.com", f"/staff/stores/{DEMO_STORE_CODE}/counter/"),
    ],
)
def test_each_floor_role_lands_on_its_screen(client, email, lands_on):
    call_command("load_demo_store")
    assert client.login(request=HttpRequest(), email=email, password=DEMO_PASSWORD)
    response = client.get("/staff/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == lands_on
