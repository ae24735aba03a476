"""Managers print shelf-label sheets and moderate reviews in the admin, for their own stores."""

import re

import pytest
from PIL import Image

from catalog import labels
from catalog.models import Review, ShelfLabel
from tests import factories
from tests.catalog.helpers import label_path, scan_api_path

pytestmark = pytest.mark.django_db

OFFERS_ADMIN = "/admin/catalog/storeoffer/"
SHEET = "/admin/catalog/shelflabel/sheet/"
LABEL = re.compile(r'<div class="label" data-code="([0-9A-Z]+)" data-url="([^"]+)">')


def as_manager(client, store):
    client.force_login(factories.make_staff(store=store, role="manager"))
    return client


def print_offers(client, offers):
    return client.post(
        OFFERS_ADMIN,
        {"action": "print_shelf_labels", "_selected_action": [offer.pk for offer in offers]},
    )


def sheet_labels(response) -> dict[str, str]:
    """The sheet's labels as {code: url}, checking each carries one QR code."""
    assert response.status_code == 200
    html = response.content.decode()
    found = dict(LABEL.findall(html))
    assert html.count("<svg") == len(found)
    return found


def active_code(offer) -> str:
    return ShelfLabel.objects.get(offer=offer, is_active=True).code


def test_manager_prints_one_qr_label_per_offer(client, store):
    # given three offers, one of them marked down
    offers = [
        factories.make_offer(store=store, price=298),
        factories.make_offer(store=store, price=1280),
        factories.make_offer(store=store, price=2480, markdown_price=1980),
    ]
    as_manager(client, store)

    # when the manager prints their labels
    response = print_offers(client, offers)

    # then each offer has one label whose QR points at its page, with the current price
    printed = sheet_labels(response)
    assert len(printed) == 3
    assert printed == {
        active_code(offer): f"http://testserver/s/{active_code(offer)}" for offer in offers
    }
    html = response.content.decode()
    for price in ["¥298", "¥1,280", "¥1,980"]:
        assert f'<div class="price">{price}' in html
    assert "¥2,480" not in html


def test_reprinting_keeps_the_codes(client, store):
    offers = [factories.make_offer(store=store) for _ in range(2)]
    as_manager(client, store)

    first = sheet_labels(print_offers(client, offers))
    second = sheet_labels(print_offers(client, offers))

    assert second == first
    assert ShelfLabel.objects.count() == 2


def test_labels_point_at_the_stores_public_address(client):
    store = factories.make_store(public_base_url="https://shop.example.jp/")
    offer = factories.make_offer(store=store)
    as_manager(client, store)

    printed = sheet_labels(print_offers(client, [offer]))

    code = active_code(offer)
    assert printed == {code: f"https://shop.example.jp/s/{code}"}


def test_printed_label_opens_the_product_page(client, store):
    offer = factories.make_offer(store=store, price=298)
    as_manager(client, store)
    [(code, url)] = sheet_labels(print_offers(client, [offer])).items()

    response = client.get(url.removeprefix("http://testserver"))

    assert response.status_code == 200
    assert "<strong>¥298</strong>" in response.content.decode()
    assert response.wsgi_request.path == label_path(code)


def test_the_store_sheet_has_every_active_offer(client, store):
    active = [factories.make_offer(store=store) for _ in range(3)]
    factories.make_offer(store=store, is_active=False)
    as_manager(client, store)

    printed = sheet_labels(client.get(SHEET, {"store": store.code}))

    assert set(printed) == {active_code(offer) for offer in active}
    assert ShelfLabel.objects.count() == 3


def test_a_manager_does_not_see_another_stores_offers(client, store):
    other = factories.make_store()
    mine = factories.make_offer(store=store, product=factories.make_product(name_en="Mine Soba"))
    theirs = factories.make_offer(store=other, product=factories.make_product(name_en="Their Udon"))
    as_manager(client, store)

    html = client.get(OFFERS_ADMIN).content.decode()

    assert "Mine Soba" in html
    assert "Their Udon" not in html
    their_change_page = client.get(f"{OFFERS_ADMIN}{theirs.pk}/change/")
    assert (their_change_page.status_code, their_change_page["Location"]) == (302, "/admin/")
    assert client.get(f"{OFFERS_ADMIN}{mine.pk}/change/").status_code == 200


def test_a_manager_cannot_print_another_stores_labels(client, store):
    other = factories.make_store()
    theirs = factories.make_offer(store=other, product=factories.make_product(name_en="Their Udon"))
    as_manager(client, store)

    by_action = print_offers(client, [theirs])
    by_sheet = client.get(SHEET, {"store": other.code})

    # both answer with an empty sheet
    for response in (by_action, by_sheet):
        assert sheet_labels(response) == {}
        assert "Their Udon" not in response.content.decode()
    assert not ShelfLabel.objects.filter(offer=theirs).exists()


def test_a_picker_is_sent_to_the_admin_log_in(client, store):
    offer = factories.make_offer(store=store)
    client.force_login(factories.make_staff(store=store, role="picker"))

    for response in (
        client.get(OFFERS_ADMIN),
        print_offers(client, [offer]),
        client.get(SHEET, {"store": store.code}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert not ShelfLabel.objects.exists()


def test_qr_code_is_a_vector_drawing_of_the_url():
    # No QR decoder is installed (pyzbar, zxingcpp, cv2): check the drawing, not its reading.
    url = "https://shop.example.jp/s/ABCDEFGH23"

    svg = str(labels.qr_svg(url))

    assert svg.startswith("<svg")
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg)
    assert re.search(r'<path [^>]*d="M[\d.]+', svg)
    assert labels.qr_svg(url) == labels.qr_svg(url)
    assert labels.qr_svg("https://shop.example.jp/s/ABCDEFGH24") != labels.qr_svg(url)


def test_qr_png_is_a_square_black_and_white_image(tmp_path):
    png = labels.qr_png("http://testserver/s/ABCDEFGH23")

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    with Image.open(path) as image:
        assert image.width == image.height > 0
        colours = {colour for _, colour in image.convert("L").getcolors()}
    assert colours == {0, 255}


# --- Review moderation ----------------------------------------------------------------------------


def test_hiding_a_review_removes_it_from_the_page_and_the_api(client, api_client, store):
    # given a published review of a labelled product
    label = factories.make_label(offer=factories.make_offer(store=store))
    product = label.offer.product
    review = factories.make_review(product=product, title="Rude words")
    kept = factories.make_review(product=product, title="Helpful words")
    assert "Rude words" in client.get(label_path(label.code)).content.decode()

    # when a manager hides it
    manager = factories.make_staff(store=store, role="manager")
    client.force_login(manager)
    response = client.post(
        "/admin/catalog/review/", {"action": "hide", "_selected_action": [review.pk]}
    )

    # then it is gone from the page and the API, and the other one stays
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.moderated_by) == (Review.Status.HIDDEN, manager)
    client.logout()
    html = client.get(label_path(label.code)).content.decode()
    assert "Rude words" not in html and "Helpful words" in html
    listed = api_client.get(f"/api/v1/products/{product.sku}/reviews/").json()
    assert [r["id"] for r in listed["results"]] == [kept.pk]
    scanned = api_client.get(scan_api_path(label.code)).json()
    assert [r["id"] for r in scanned["reviews"]] == [kept.pk]
    assert scanned["rating"]["count"] == 1
