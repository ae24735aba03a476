"""A shopper's scan journey in a real browser: shelf label → in-app scanner or typed code → product
page (price, language, reviews) → the scan recorded for the store."""

import re

import pytest
from playwright.sync_api import expect

from catalog import labels, services
from catalog.models import Review, ScanEvent
from tests import factories
from tests.e2e.y4m import write_qr_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def labelled_offer(*, price: int = 398):
    store = factories.make_store()
    product = factories.make_product(name_en="Hokkaido Milk 1 L", name_ja="北海道牛乳 1L")
    offer = factories.make_offer(store=store, product=product, price=price)
    (label,) = services.labels_for_offers(offers=[offer])
    return offer, label


def test_the_in_app_scanner_reads_a_shelf_label(live_server, camera_browser, new_page, tmp_path):
    offer, label = labelled_offer(price=398)
    qr = labels.qr_png(f"{live_server.url}/s/{label.code}")
    page = new_page(camera_browser(write_qr_video(tmp_path / "label.y4m", qr)))

    page.goto("/scan/")
    page.wait_for_url(re.compile(rf"/s/{label.code}\?src=scanner$"))

    expect(page.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    expect(page.locator("#price")).to_contain_text("¥398")
    assert services.flush_scan_buffer() >= 1
    scans = ScanEvent.objects.filter(label=label)
    assert [(s.source, s.store_id, s.product_id, s.member_id) for s in scans] == [
        (ScanEvent.Source.IN_APP, offer.store_id, offer.product_id, None)
    ]


def test_a_member_types_a_code_reads_japanese_and_writes_a_review(live_server, browser, new_page):
    offer, label = labelled_offer()
    member = factories.make_member(email="hanako@example.com")
    page = new_page(browser)

    page.goto("/login/?next=/scan/")
    page.locator("input[name=username]").fill("hanako@example.com")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/scan/$"))

    page.locator("#typed-code").fill(label.code.lower())  # as typed on a phone keyboard
    page.locator("#typed-code").press("Enter")
    page.wait_for_url(re.compile(rf"/s/{label.code}\?src=typed$"))
    expect(page.locator("#product-name")).to_have_text("Hokkaido Milk 1 L")
    expect(page.locator("#price")).to_contain_text("¥398")

    page.locator("#lang-ja").click()
    expect(page.locator("#product-name")).to_have_text("北海道牛乳 1L")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#lang-en")).to_be_visible()

    review_list = page.locator("#review-list")
    expect(review_list.locator(".review")).to_have_count(0)
    form = page.locator("form.review-form")
    form.locator("input[name=rating][value='4']").check()
    form.locator("input[name=title]").fill("<i>Rich</i> & creamy")
    form.locator("textarea[name=text]").fill(
        'Great in coffee. <img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>'
    )
    page.locator("#submit-review").click()

    review = review_list.locator(".review")
    expect(review).to_have_count(1)
    expect(review.locator(".review-title")).to_have_text("<i>Rich</i> & creamy")
    expect(review.locator(".review-text")).to_have_text(
        'Great in coffee. <img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>'
    )
    expect(review.locator(".stars").first).to_have_text("★★★★☆")
    expect(review_list.locator("i, img, script")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    expect(page.locator("#product-name")).to_have_text("北海道牛乳 1L")  # still in Japanese

    saved = Review.objects.get(product=offer.product, member=member)
    assert (saved.rating, saved.title) == (4, "<i>Rich</i> & creamy")
    services.flush_scan_buffer()
    typed = ScanEvent.objects.filter(label=label, source=ScanEvent.Source.TYPED)
    assert typed.exists()
    assert set(typed.values_list("member_id", flat=True)) == {member.pk}
