from typing import Any

from accounts.selectors import member_for
from omostore import realtime
from omostore.consumers import RealtimeConsumer
from orders.models import Order
from orders.selectors import history_snapshot, order_snapshot, order_with_timeline
from stores.roles import FLOOR_ROLES
from stores.selectors import has_store_role


class OrderConsumer(RealtimeConsumer):
    """A live order page: `/ws/orders/<number>/`, for the member who placed it (and the staff
    of its store). Group `realtime.groups.order(order id)`; snapshot and events in
    docs/realtime.md."""

    def authorize(self, user: Any) -> str | None:
        number = self.scope["url_route"]["kwargs"]["number"]
        order = Order.objects.filter(number=number).select_related("member").first()
        if order is None:
            return None
        owner = (
            member_for(user=user) is not None
            and order.member_id is not None
            and order.member.user_id == user.pk
        )
        if not owner and not has_store_role(user=user, store_id=order.store_id, roles=FLOOR_ROLES):
            return None
        self.order_id = order.pk
        return realtime.groups.order(order.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return order_snapshot(order=order_with_timeline(order_id=self.order_id))


class HistoryConsumer(RealtimeConsumer):
    """The member's order history page: `/ws/history/`, for the member themselves. Group
    `realtime.groups.member_history(user id)`; snapshot and events in docs/realtime.md."""

    def authorize(self, user: Any) -> str | None:
        member = member_for(user=user)
        if member is None:
            return None
        self.member = member
        return realtime.groups.member_history(user.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return history_snapshot(member=self.member)
