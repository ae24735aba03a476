"""Substitutions approved live: ranked proposals, the shopper's Accept / Decline, the standing
choice when nobody answers in time (the beat task), each with the right refund and stock."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import StockMovement, StoreOffer
from fulfillment.models import PickLine, Substitution
from fulfillment.picking import substitutions
from orders.models import OrderEvent, OrderRefund
from tests import factories
from tests.fulfillment.picking_helpers import paid_order, picker_of, tasks_of, zoned_offer

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def short_line(store):
    """A claimed task with 2 of yoghurt A (¥300 each) ordered and none on the shelf, and three
    other yoghurts: B ¥280, C ¥450 (dearer), D ¥150 (cheaper), all in stock."""
    category = factories.make_category()
    yoghurt = {
        name: zoned_offer(store, zone="chilled", price=price, category=category, name_en=name)
        for name, price in [("A", 300), ("B", 280), ("C", 450), ("D", 150)]
    }
    member = factories.make_member()
    order = paid_order(store, [(yoghurt["A"], 2)], member=member)
    task = tasks_of(order)["chilled"]
    picker = picker_of(store)
    picker_api = client_of(picker)
    assert picker_api.post(f"/api/v1/staff/pick-tasks/{task.pk}/claim/").status_code == 200
    line = task.lines.get()
    return {
        "store": store,
        "order": order,
        "task": task,
        "line": line,
        "picker": picker,
        "picker_api": picker_api,
        "member": member,
        "shopper_api": client_of(member.user),
        "yoghurt": yoghurt,
    }


def lines_url(s, suffix):
    return f"/api/v1/staff/pick-tasks/{s['task'].pk}/lines/{s['line'].pk}/{suffix}"


def propose(s, name):
    return s["picker_api"].post(
        lines_url(s, "substitute/"), {"offer": s["yoghurt"][name].pk}, format="json"
    )


def test_substitutes_are_ranked_by_closest_price_and_never_cost_more(short_line):
    s = short_line
    ranked = s["picker_api"].get(lines_url(s, "substitutes/")).json()
    # B is closest; D and C are as far, the cheaper first; C costs the original's ¥300, not 450
    assert [r["name"]["en"] for r in ranked] == ["B", "D", "C"]
    assert [r["price"] for r in ranked] == [280, 150, 300]


def test_an_earlier_accepted_choice_and_a_specific_choice_rank_first(short_line):
    s = short_line
    # a specific choice made by the shopper on the order page
    response = s["shopper_api"].put(
        f"/api/v1/orders/{s['order'].number}/lines/{s['line'].order_line_id}/substitution-choice/",
        {"choice": "specific", "sku": s["yoghurt"]["D"].product.sku},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ranked = s["picker_api"].get(lines_url(s, "substitutes/")).json()
    assert ranked[0]["name"]["en"] == "D"


def test_accepted_cheaper_substitute_refunds_the_difference_and_moves_the_stock(short_line):
    s = short_line
    d_reserved = StoreOffer.objects.get(pk=s["yoghurt"]["D"].pk).stock_reserved
    a_reserved = StoreOffer.objects.get(pk=s["yoghurt"]["A"].pk).stock_reserved
    assert propose(s, "D").status_code == 200
    picking = s["shopper_api"].get(f"/api/v1/orders/{s['order'].number}/picking/").json()
    (proposal,) = picking["proposals"]
    assert (proposal["substitute"]["en"], proposal["status"]) == ("D", "proposed")

    url = f"/api/v1/orders/{s['order'].number}/substitutions/{proposal['id']}/"
    response = s["shopper_api"].post(url, {"accept": True}, format="json")
    assert response.status_code == 200, response.json()

    (refund,) = OrderRefund.objects.filter(order=s["order"])
    assert refund.amount == 2 * (300 - 150) and refund.status == "succeeded"
    assert StoreOffer.objects.get(pk=s["yoghurt"]["D"].pk).stock_reserved == d_reserved + 2
    assert StoreOffer.objects.get(pk=s["yoghurt"]["A"].pk).stock_reserved == a_reserved - 2
    assert PickLine.objects.get(pk=s["line"].pk).status == "substituted"
    # the substitute is a line of its own, holding its units until the order leaves the store
    substitute = s["order"].lines.get(offer=s["yoghurt"]["D"])
    assert (substitute.quantity, substitute.quantity_allocated, substitute.line_total) == (
        2,
        2,
        300,
    )
    assert s["order"].lines.get(pk=s["line"].order_line_id).quantity_allocated == 0
    assert StockMovement.objects.filter(
        offer=s["yoghurt"]["A"], kind="release", order_line_id=s["line"].order_line_id
    ).exists()
    event = OrderEvent.objects.get(order=s["order"], kind="line_substituted")
    assert event.payload["accepted"] is True and event.actor == s["member"].user
    # a second answer changes nothing
    assert s["shopper_api"].post(url, {"accept": False}, format="json").status_code == 409
    assert OrderRefund.objects.filter(order=s["order"]).count() == 1


def test_declined_substitute_refunds_and_releases_the_missing_units(short_line):
    s = short_line
    a_reserved = StoreOffer.objects.get(pk=s["yoghurt"]["A"].pk).stock_reserved
    propose(s, "B")
    substitution = Substitution.objects.get()
    url = f"/api/v1/orders/{s['order'].number}/substitutions/{substitution.pk}/"
    assert s["shopper_api"].post(url, {"accept": False}, format="json").status_code == 200
    (refund,) = OrderRefund.objects.filter(order=s["order"])
    assert refund.amount == 600
    assert StoreOffer.objects.get(pk=s["yoghurt"]["A"].pk).stock_reserved == a_reserved - 2
    assert PickLine.objects.get(pk=s["line"].pk).status == "short"


def test_no_answer_in_time_applies_the_standing_choice(short_line):
    s = short_line
    propose(s, "C")  # dearer on the shelf: the shopper pays the original ¥300
    substitution = Substitution.objects.get()
    assert substitutions.expire_substitutions() == 0  # not yet
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert substitutions.expire_substitutions(now=later) == 1
    assert substitutions.expire_substitutions(now=later) == 0  # a second run is a no-op
    substitution.refresh_from_db()
    assert substitution.status == "expired"
    assert not OrderRefund.objects.filter(order=s["order"]).exists()  # same price: no refund
    assert PickLine.objects.get(pk=s["line"].pk).status == "substituted"


def test_no_answer_with_no_substitute_wanted_refunds(short_line):
    s = short_line
    propose(s, "B")
    substitutions.choose_substitution(
        member=s["member"],
        number=s["order"].number,
        line_id=s["line"].order_line_id,
        choice="none",
    )
    substitutions.expire_substitutions(now=timezone.now() + datetime.timedelta(minutes=6))
    assert [r.amount for r in OrderRefund.objects.filter(order=s["order"])] == [600]


def test_answers_after_the_timeout_or_from_another_member_are_refused(short_line):
    s = short_line
    propose(s, "B")
    substitution = Substitution.objects.get()
    url = f"/api/v1/orders/{s['order'].number}/substitutions/{substitution.pk}/"
    stranger = client_of(factories.make_member().user)
    assert stranger.post(url, {"accept": True}, format="json").status_code == 404
    Substitution.objects.filter(pk=substitution.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = s["shopper_api"].post(url, {"accept": True}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "substitution_closed"
    substitution.refresh_from_db()
    assert substitution.status == "proposed" and not OrderRefund.objects.exists()


def test_a_product_not_ranked_cannot_be_proposed(short_line):
    s = short_line
    elsewhere = zoned_offer(s["store"], zone="frozen")
    response = s["picker_api"].post(
        lines_url(s, "substitute/"), {"offer": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert PickLine.objects.get(pk=s["line"].pk).status == "pending"


def test_a_proposal_of_a_cancelled_order_moves_no_stock_or_money(short_line):
    s = short_line
    propose(s, "D")
    from orders import services as order_services

    order_services.cancel_order_by_staff(
        order=s["order"], actor=s["picker"], reason="shortage", idempotency_key="gone"
    )
    refunds = OrderRefund.objects.filter(order=s["order"]).count()
    d_reserved = StoreOffer.objects.get(pk=s["yoghurt"]["D"].pk).stock_reserved
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert substitutions.expire_substitutions(now=later) == 1
    assert OrderRefund.objects.filter(order=s["order"]).count() == refunds
    assert StoreOffer.objects.get(pk=s["yoghurt"]["D"].pk).stock_reserved == d_reserved
    assert not s["order"].lines.filter(offer=s["yoghurt"]["D"]).exists()
