"""The exit screen on a tablet whose camera is refused: the pasted code is checked, and the line
that says why the camera is off comes back afterwards instead of staying on "Checking…"."""

import pytest
from playwright.sync_api import expect

from stores.models import StaffRole
from tests import factories
from tests.e2e.test_checkout_journeys import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_refused_paste_leaves_the_camera_line_as_it_was(live_server, browser):
    store = factories.make_store()
    factories.make_staff(store=store, role=StaffRole.Role.EXIT, email="door@example.com")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    try:
        context.route("**/sw.js", lambda route: route.abort())
        # The person at the door refused the camera (the shared browser's fake one would run).
        context.add_init_script(
            "navigator.mediaDevices.getUserMedia = () =>"
            " Promise.reject(new DOMException('refused', 'NotAllowedError'));"
        )
        page = context.new_page()
        log_in(page, "door@example.com", next_url="/staff/exit/")
        status = page.locator("#exit-camera-status")
        expect(status).to_have_attribute("data-state", "error")
        said = status.inner_text()

        page.locator("#exit-code").fill("not-an-exit-pass-but-long-enough-to-send")
        page.locator("#exit-verify").click()

        expect(page.locator("#exit-result")).to_have_attribute("data-result", "refused")
        expect(status).to_have_text(said)
        expect(status).to_have_attribute("data-state", "error")
    finally:
        context.close()
