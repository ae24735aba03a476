"""Sales and line refunds at a staffed register, through the HTTP API."""

import itertools

import pytest
from django.test import Client

from accounts.member_qr import issue_member_qr
from catalog.models import StockMovement, StoreOffer
from orders import signals
from orders.models import Channel, Order, OrderStatus
from payments.models import Payment, PaymentMethod, WalletAccount
from stores.models import StaffRole
from tests import factories
from tests.orders.helpers import add, checkout, member_client

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def cashier_client(store, role=StaffRole.Role.EXIT):
    client = Client(enforce_csrf_checks=False)
    client.force_login(factories.make_staff(store=store, role=role))
    return client


def sell(client, store, items, *, method="cash", key=None, **extra):
    body = {"store": store.code, "items": items, "payment_method": method, **extra}
    return client.post(
        "/api/v1/staff/register/sales/",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or f"basket-{next(_keys)}",
    )


@pytest.fixture
def goods(store):
    apples = factories.make_offer(store=store, price=120, stock_on_hand=10)
    beef = factories.make_offer(
        store=store,
        price=450,  # per 100 g
        stock_on_hand=5000,
        product=factories.make_product(sold_by="weight"),
    )
    return apples, beef


def test_a_cash_sale_with_change_takes_stock_and_is_paid(
    store, goods, django_capture_on_commit_callbacks
):
    apples, beef = goods
    client = cashier_client(store)
    received = []
    signals.order_paid.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = sell(
                client,
                store,
                [
                    {"code": apples.product.barcode, "quantity": 2},
                    {"code": beef.product.sku, "quantity": 250},
                ],
                cash_tendered=2000,
            )
    finally:
        signals.order_paid.disconnect(dispatch_uid="t1")
    assert response.status_code == 201, response.json()
    sale = response.json()
    # 2 x 120 + 250 g at 450 per 100 g = 240 + 1125
    assert sale["total"]["amount"] == 1365
    assert sale["change"]["amount"] == 635
    assert sale["member"] is None
    order = Order.objects.get(number=sale["number"])
    assert order.channel == Channel.REGISTER and order.status == OrderStatus.PAID
    assert order.member is None
    assert StoreOffer.objects.get(pk=apples.pk).stock_on_hand == 8
    assert StoreOffer.objects.get(pk=beef.pk).stock_on_hand == 4750
    assert Payment.objects.get(reference=order.number).method == PaymentMethod.CASH
    # through the stock ledger: each line reserved and sold, by the cashier, naming the order
    moves = StockMovement.objects.filter(order_number=order.number).order_by("pk")
    assert sorted((m.kind, m.on_hand_change) for m in moves) == [
        ("reserve", 0),
        ("reserve", 0),
        ("sell", -250),
        ("sell", -2),
    ]
    assert {m.actor_id for m in moves} == {order.register_sale.cashier_id}
    assert StoreOffer.objects.get(pk=apples.pk).stock_reserved == 0
    assert set(order.lines.values_list("quantity_allocated", flat=True)) == {0}
    assert [kw["order"].number for kw in received] == [order.number]  # order_paid, once


def test_the_wallet_pays_when_the_member_qr_authorises_it(store, goods):
    apples, _beef = goods
    member = factories.make_member()
    factories.make_wallet(member=member, balance=1000)
    client = cashier_client(store)
    token = issue_member_qr(member=member).token

    peek = client.post(
        "/api/v1/staff/register/member/",
        {"store": store.code, "member_qr": token},
        content_type="application/json",
    )
    assert peek.status_code == 200 and peek.json()["wallet"]["amount"] == 1000

    response = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 3}],
        method="wallet",
        member_qr=token,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["member"] == {"code": member.member_code}
    assert WalletAccount.objects.get(member=member).balance == 1000 - 360
    order = Order.objects.get(number=response.json()["number"])
    assert order.member == member
    # it is in the member's one history
    shopper = Client()
    shopper.force_login(member.user)
    assert order.number in shopper.get("/orders/").content.decode()


def test_a_replayed_member_qr_is_refused_and_charges_nothing(store, goods):
    apples, _beef = goods
    member = factories.make_member()
    factories.make_wallet(member=member, balance=5000)
    client = cashier_client(store)
    token = issue_member_qr(member=member).token
    first = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        method="wallet",
        member_qr=token,
    )
    assert first.status_code == 201

    again = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        method="wallet",
        member_qr=token,
    )

    assert again.status_code == 409
    assert again.json()["error"]["code"] == "member_qr_used"
    assert WalletAccount.objects.get(member=member).balance == 5000 - 120
    assert Order.objects.filter(channel=Channel.REGISTER).count() == 1
    assert StoreOffer.objects.get(pk=apples.pk).stock_on_hand == 9


def test_an_expired_member_qr_is_refused(store, goods, settings):
    apples, _beef = goods
    member = factories.make_member()
    factories.make_wallet(member=member, balance=5000)
    token = issue_member_qr(member=member).token
    settings.MEMBER_QR_MAX_AGE_SECONDS = -1
    response = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        method="wallet",
        member_qr=token,
    )
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "member_qr_expired"
    assert not Order.objects.exists()


def test_another_stores_member_is_welcome(store, goods):
    apples, _beef = goods
    member = factories.make_member()
    member.home_store = factories.make_store()
    member.save()
    token = issue_member_qr(member=member).token
    response = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        cash_tendered=500,
        member_qr=token,
    )
    assert response.status_code == 201
    assert Order.objects.get(number=response.json()["number"]).member == member


def test_a_short_wallet_changes_nothing_and_the_qr_stays_usable(store, goods):
    apples, _beef = goods
    member = factories.make_member()
    factories.make_wallet(member=member, balance=100)
    client = cashier_client(store)
    token = issue_member_qr(member=member).token
    short = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        method="wallet",
        member_qr=token,
    )
    assert short.status_code == 402 or short.status_code == 409, short.json()
    assert StoreOffer.objects.get(pk=apples.pk).stock_on_hand == 10
    assert not Order.objects.exists()
    # the member pays cash instead, and the same QR still links the sale
    cash = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        cash_tendered=200,
        member_qr=token,
    )
    assert cash.status_code == 201
    assert cash.json()["member"] == {"code": member.member_code}


def test_the_same_basket_sent_twice_is_one_sale(store, goods):
    apples, _beef = goods
    client = cashier_client(store)
    items = [{"code": apples.product.barcode, "quantity": 1}]
    first = sell(client, store, items, key="basket-x", cash_tendered=1000)
    second = sell(client, store, items, key="basket-x", cash_tendered=1000)
    other = sell(client, store, items, key="basket-x", cash_tendered=500)
    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 422)
    assert first.json()["number"] == second.json()["number"]
    assert Order.objects.count() == 1
    assert StoreOffer.objects.get(pk=apples.pk).stock_on_hand == 9


def test_a_card_terminal_sale_records_its_reference(store, goods):
    apples, _beef = goods
    client = cashier_client(store)
    missing = sell(
        client, store, [{"code": apples.product.barcode, "quantity": 1}], method="terminal"
    )
    assert missing.status_code == 400
    response = sell(
        client,
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        method="terminal",
        terminal_reference="SLIP-0042",
    )
    assert response.status_code == 201
    assert response.json()["terminal_reference"] == "SLIP-0042"
    payment = Payment.objects.get(reference=response.json()["number"])
    assert (payment.method, payment.provider_ref, payment.status) == (
        "terminal",
        "SLIP-0042",
        "succeeded",
    )


@pytest.mark.parametrize(
    ("items", "extra", "code"),
    [
        ([], {"cash_tendered": 100}, "validation_error"),
        ([{"code": "4999999999999", "quantity": 1}], {"cash_tendered": 1000}, "unknown_product"),
        ([{"code": "APPLE", "quantity": 0}], {"cash_tendered": 1000}, "validation_error"),
        (None, {"cash_tendered": 100}, "invalid_checkout"),  # less cash than the total
        (None, {"cash_tendered": 2**31}, "validation_error"),  # more than any column holds
        (None, {"cash_tendered": -5}, "validation_error"),
        ([{"code": "x" * 33, "quantity": 1}], {"cash_tendered": 1000}, "validation_error"),
        (None, {"payment_method": "test", "cash_tendered": 1000}, "validation_error"),
        (None, {"payment_method": "wallet"}, "invalid_checkout"),  # a wallet without a QR
        (None, {"payment_method": "wallet", "member_qr": "MQR1.forged:x:y"}, "member_qr_invalid"),
    ],
)
def test_bad_sales_are_refused_and_change_nothing(store, goods, items, extra, code):
    apples, _beef = goods
    if items is None:
        items = [{"code": apples.product.barcode, "quantity": 2}]
    body = {"method": extra.pop("payment_method", "cash"), **extra}
    response = sell(cashier_client(store), store, items, **body)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == code, response.json()
    assert not Order.objects.exists()
    assert StoreOffer.objects.get(pk=apples.pk).stock_on_hand == 10


def test_a_weighed_item_needs_its_grams(store, goods):
    _apples, beef = goods
    client = cashier_client(store)
    no_weight = client.get(
        "/api/v1/staff/register/items/", {"store": store.code, "code": beef.product.barcode}
    )
    assert no_weight.status_code == 400
    assert no_weight.json()["error"]["details"]["unit"] == "grams"
    weighed = client.get(
        "/api/v1/staff/register/items/",
        {"store": store.code, "code": beef.product.barcode, "quantity": 300},
    )
    assert weighed.status_code == 200
    assert weighed.json()["total"]["amount"] == 1350


def test_only_register_staff_of_the_store_sell(store, goods):
    apples, _beef = goods
    items = [{"code": apples.product.barcode, "quantity": 1}]
    picker = cashier_client(store, role=StaffRole.Role.PICKER)
    assert sell(picker, store, items, cash_tendered=500).status_code == 403
    elsewhere = cashier_client(factories.make_store())
    assert sell(elsewhere, store, items, cash_tendered=500).status_code == 403
    shopper = Client()
    shopper.force_login(factories.make_member().user)
    assert sell(shopper, store, items, cash_tendered=500).status_code == 403
    assert Client().get("/staff/register/").status_code == 302
    assert picker.get("/staff/register/").status_code == 403
    assert (
        cashier_client(store, role=StaffRole.Role.MANAGER).get("/staff/register/").status_code
        == 200
    )
    assert not Order.objects.exists()


def test_posts_need_csrf(store, goods):
    apples, _beef = goods
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.make_staff(store=store, role=StaffRole.Role.EXIT))
    response = sell(
        client, store, [{"code": apples.product.barcode, "quantity": 1}], cash_tendered=500
    )
    assert response.status_code == 403
    assert not Order.objects.exists()


def test_lines_are_refunded_at_the_register_as_cash(store, goods):
    apples, beef = goods
    client = cashier_client(store)
    sale = sell(
        client,
        store,
        [
            {"code": apples.product.barcode, "quantity": 3},
            {"code": beef.product.barcode, "quantity": 200},
        ],
        cash_tendered=2000,
    ).json()
    apple_line = sale["lines"][0]

    response = client.post(
        f"/api/v1/staff/register/sales/{sale['number']}/refunds/",
        {
            "store": store.code,
            "lines": [{"line_id": apple_line["id"], "quantity": 2}],
            "reason": "damaged",
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="refund-1",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["refunded"]["amount"] == 240
    assert response.json()["lines"][0]["refundable"] == 1
    payment = Payment.objects.get(reference=sale["number"])
    assert payment.refunded_amount == 240
    refund = payment.refunds.get()
    assert (refund.status, payment.method) == ("succeeded", "cash")
    # too many units, another store's staff, and a replay are refused or the same
    too_many = client.post(
        f"/api/v1/staff/register/sales/{sale['number']}/refunds/",
        {
            "store": store.code,
            "lines": [{"line_id": apple_line["id"], "quantity": 2}],
            "reason": "damaged",
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="refund-2",
    )
    assert too_many.status_code == 400
    other = factories.make_store()
    elsewhere = cashier_client(other)
    assert (
        elsewhere.post(
            f"/api/v1/staff/register/sales/{sale['number']}/refunds/",
            {
                "store": other.code,
                "lines": [{"line_id": apple_line["id"], "quantity": 1}],
                "reason": "damaged",
            },
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="refund-3",
        ).status_code
        == 404
    )
    assert Payment.objects.get(pk=payment.pk).refunded_amount == 240


def test_a_register_refund_is_for_goods_brought_back(store, goods):
    """At the counter the customer had the goods: "returned" is offered first; the reasons of a
    delivery or pickup order ("never collected") are refused without refunding anything."""
    apples, _beef = goods
    client = cashier_client(store)
    sale = sell(
        client, store, [{"code": apples.product.barcode, "quantity": 2}], cash_tendered=1000
    )
    sale = sale.json()
    line = sale["lines"][0]
    url = f"/api/v1/staff/register/sales/{sale['number']}/refunds/"

    def refund(reason: str, key: str):
        body = {"store": store.code, "lines": [{"line_id": line["id"], "quantity": 1}]}
        return client.post(
            url,
            {**body, "reason": reason},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    assert refund("not_collected", "r-1").status_code == 400
    assert Payment.objects.get(reference=sale["number"]).refunded_amount == 0
    assert refund("returned", "r-2").status_code == 201
    assert Order.objects.get(number=sale["number"]).refunds.get().reason == "returned"
    page = client.get(sale["receipt_url"])
    options = page.content.decode().split('id="refund-reason"', 1)[1].split("</select>", 1)[0]
    assert options.index('value="returned"') < options.index('value="damaged"')
    assert "not_collected" not in options
    japanese = client.get(sale["receipt_url"], HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "お客様による返品" in japanese


def test_the_receipt_pages(store, goods):
    apples, _beef = goods
    client = cashier_client(store)
    sale = sell(
        client, store, [{"code": apples.product.barcode, "quantity": 1}], cash_tendered=1000
    ).json()
    page = client.get(sale["receipt_url"])
    assert page.status_code == 200 and sale["number"] in page.content.decode()
    public = Client().get(sale["e_receipt_url"])
    assert public.status_code == 200 and sale["number"] in public.content.decode()
    assert Client().get(sale["e_receipt_url"][:-3] + "xx/").status_code == 404
    assert cashier_client(factories.make_store()).get(sale["receipt_url"]).status_code == 404
    assert client.get(sale["e_receipt_qr_url"])["Content-Type"] == "image/svg+xml"


def test_a_sales_receipt_is_only_for_register_staff_of_its_store(store, goods):
    apples, _beef = goods
    sale = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        cash_tendered=500,
    ).json()
    receipt, qr = sale["receipt_url"], sale["e_receipt_qr_url"]
    other = factories.make_store()
    assert cashier_client(store, role=StaffRole.Role.MANAGER).get(receipt).status_code == 200

    # another store's register staff, even naming their own store, and this store's other
    # staff see no such sale (a number proves nothing)
    elsewhere = cashier_client(other)
    assert elsewhere.get(receipt).status_code == 404
    assert elsewhere.get(f"{receipt}?store={other.code}").status_code == 404
    assert elsewhere.get(qr).status_code == 404
    for role in (StaffRole.Role.PICKER, StaffRole.Role.PACKER):
        assert cashier_client(store, role=role).get(receipt).status_code == 404
    shopper = Client()
    shopper.force_login(factories.make_member().user)
    assert shopper.get(receipt).status_code == 404
    assert shopper.get(qr).status_code == 404
    anonymous = Client()
    login = anonymous.get(receipt)
    assert login.status_code == 302 and login["Location"].startswith(
        "/login/?next=/staff/register/sales/"
    )
    assert anonymous.get(qr).status_code == 404

    # nor is a number of this store's that is not a register sale, or no sale at all
    member = factories.make_member()
    client = member_client(member)
    assert add(client, apples, 1).status_code == 201
    online = checkout(client, store, channel="pickup")
    assert online.status_code == 201, online.content
    cashier = cashier_client(store)
    assert cashier.get(f"/staff/register/sales/{online.json()['number']}/").status_code == 404
    assert cashier.get("/staff/register/sales/R-NOPE/").status_code == 404


def test_the_managers_admin_shows_a_sale_without_a_member(store, goods):
    apples, _beef = goods
    sale = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        cash_tendered=500,
    ).json()
    order = Order.objects.get(number=sale["number"])
    manager = cashier_client(store, role=StaffRole.Role.MANAGER)
    listing = manager.get("/admin/orders/order/")
    assert listing.status_code == 200 and sale["number"] in listing.content.decode()
    page = manager.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert "register sale" in page.content.decode()  # the inline: cashier, cash and change
    assert "¥500" in page.content.decode()


def test_the_register_screen_may_run_the_vendored_barcode_reader(store):
    response = cashier_client(store).get("/staff/register/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "'wasm-unsafe-eval'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert b"vendor/barcode-detector.js" in response.content


def _queries_of_a_sale(store, client, offers, method="cash", **extra):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = [{"code": offer.product.barcode, "quantity": 1} for offer in offers]
    with CaptureQueriesContext(connection) as queries:
        response = sell(client, store, items, method=method, **extra)
    assert response.status_code == 201, response.json()
    return len(queries)


def test_a_sale_takes_a_bounded_number_of_queries_and_two_more_per_item(store):
    offers = [factories.make_offer(store=store, price=100, stock_on_hand=50) for _ in range(10)]
    client = cashier_client(store)
    _queries_of_a_sale(store, client, offers[:1], cash_tendered=5000)  # warm: session, roles
    one = _queries_of_a_sale(store, client, offers[:1], cash_tendered=5000)
    ten = _queries_of_a_sale(store, client, offers, cash_tendered=5000)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=100_000)
    wallet = _queries_of_a_sale(
        store, client, offers[:1], method="wallet", member_qr=issue_member_qr(member=member).token
    )
    # the basket is priced in one query; each item adds its allocation and its sale through
    # the stock ledger (a conditional UPDATE each; the movements are written in bulk)
    assert one <= 35, one
    assert ten - one <= 2 * 9, (one, ten)
    assert wallet <= one + 17, (one, wallet)


def test_the_receipt_names_the_store_in_the_readers_language(store, goods):
    apples, _beef = goods
    store.name_ja = "OMO日本橋店"
    store.save()
    sale = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 1}],
        cash_tendered=1000,
    ).json()
    english = Client().get(sale["e_receipt_url"]).content.decode()
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja").get(sale["e_receipt_url"]).content.decode()
    assert store.name in english and "OMO日本橋店" not in english
    assert "OMO日本橋店" in japanese
    assert "¥1,000" in english and "¥880" in english  # tendered and change


def test_the_member_sees_the_sale_on_their_order_page_and_in_the_api(store, goods):
    apples, _beef = goods
    member = factories.make_member()
    token = issue_member_qr(member=member).token
    sale = sell(
        cashier_client(store),
        store,
        [{"code": apples.product.barcode, "quantity": 2}],
        cash_tendered=500,
        member_qr=token,
    ).json()
    shopper = Client()
    shopper.force_login(member.user)
    page = shopper.get(f"/orders/{sale['number']}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Register" in body
    assert 'id="exit-pass-qr"' not in body  # no exit pass: the goods left over the counter
    api = shopper.get(f"/api/v1/orders/{sale['number']}/")
    assert api.status_code == 200
    assert (api.json()["channel"], api.json()["status"]) == ("register", "paid")
    # and the member cannot cancel it: refunds are made at the register
    cancel = shopper.post(
        f"/api/v1/orders/{sale['number']}/cancel/",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    assert cancel.status_code in (400, 409)
    assert Order.objects.get(number=sale["number"]).status == OrderStatus.PAID
