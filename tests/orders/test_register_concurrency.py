"""The same member QR scanned at two registers at the same moment: exactly one sale is charged.
Real threads with their own database connections (run on PostgreSQL with DB=pg)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.member_qr import issue_member_qr
from catalog.models import StoreOffer
from omostore.errors import DomainError
from orders import services
from orders.models import Channel, Order
from payments.models import Payment, WalletAccount
from stores.models import StaffRole
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        except DomainError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.parametrize("registers", [2, 4])
def test_one_qr_at_several_registers_at_once_makes_one_sale(store, registers):
    # given a member with money, one QR on their phone, and several cashiers
    offer = factories.make_offer(store=store, price=300, stock_on_hand=50)
    member = factories.make_member()
    factories.make_wallet(member=member, balance=10_000)
    token = issue_member_qr(member=member).token
    cashiers = [
        factories.make_staff(store=store, role=StaffRole.Role.EXIT) for _ in range(registers)
    ]

    def sale_at(cashier, n):
        return lambda: (
            services.sell_at_register(
                store=store,
                cashier=cashier,
                items=[services.BasketItem(code=offer.product.barcode, quantity=1)],
                payment_method="wallet",
                idempotency_key=f"register-{n}",
                member_qr=token,
            )[0].number
        )

    # when they all take payment with it at the same moment
    results = _race([sale_at(cashier, n) for n, cashier in enumerate(cashiers)])

    # then exactly one sale is charged; the others are told the QR was used
    numbers = [r for r in results if r != "member_qr_used"]
    assert len(numbers) == 1, results
    assert results.count("member_qr_used") == registers - 1
    assert Order.objects.filter(channel=Channel.REGISTER).count() == 1
    assert Payment.objects.filter(member=member).count() == 1
    assert WalletAccount.objects.get(member=member).balance == 10_000 - 300
    assert StoreOffer.objects.get(pk=offer.pk).stock_on_hand == 49


def test_the_same_basket_sent_from_two_taps_at_once_is_one_sale(store):
    offer = factories.make_offer(store=store, price=300, stock_on_hand=50)
    cashier = factories.make_staff(store=store, role=StaffRole.Role.EXIT)

    def tap():
        return services.sell_at_register(
            store=store,
            cashier=cashier,
            items=[services.BasketItem(code=offer.product.barcode, quantity=2)],
            payment_method="cash",
            cash_tendered=1000,
            idempotency_key="one-basket",
        )[0].number

    results = _race([tap, tap, tap])

    assert len(set(results)) == 1, results
    assert Order.objects.count() == 1
    assert StoreOffer.objects.get(pk=offer.pk).stock_on_hand == 48
