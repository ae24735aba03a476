from typing import Any

from omostore import realtime
from omostore.consumers import RealtimeConsumer
from orders.live import STORE_FEED_STATUSES
from orders.selectors import store_feed_orders
from stores.roles import FLOOR_ROLES
from stores.selectors import has_store_role, store_by_code


class StoreFeedConsumer(RealtimeConsumer):
    """The live feed on a store's staff tablets: `/ws/staff/stores/<store_code>/feed/`. Group
    `realtime.groups.store(store id)`; snapshot and events in docs/realtime.md."""

    def authorize(self, user: Any) -> str | None:
        store = store_by_code(code=self.scope["url_route"]["kwargs"]["store_code"])
        if store is None or not has_store_role(user=user, store_id=store.pk, roles=FLOOR_ROLES):
            return None
        self.store = store
        return realtime.groups.store(store.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return {
            "store": {"code": self.store.code, "name": self.store.name},
            # The paid orders the floor still has to finish, as `order.status` events update them.
            "orders": store_feed_orders(store=self.store),
            "feed_statuses": sorted(STORE_FEED_STATUSES),
        }
