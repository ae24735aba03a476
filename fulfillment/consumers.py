from typing import Any

from catalog.models import TemperatureZone
from fulfillment.picking import selectors as picking_selectors
from omostore import realtime
from omostore.consumers import RealtimeConsumer
from orders.live import STORE_FEED_STATUSES
from orders.selectors import store_feed_orders
from stores.roles import FLOOR_ROLES, Role
from stores.selectors import has_store_role, store_by_code

PICK_ROLES = [Role.PICKER, Role.MANAGER]


class StoreFeedConsumer(RealtimeConsumer):
    """The live feed of a store's open orders: `/ws/staff/stores/<store_code>/feed/`. Group
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


class ZoneQueueConsumer(RealtimeConsumer):
    """One temperature zone's pick queue on the pickers' tablets:
    `/ws/staff/stores/<store_code>/zones/<zone>/`. Group `realtime.groups.store_zone`; snapshot
    and events in docs/realtime.md ("The zone group")."""

    def authorize(self, user: Any) -> str | None:
        kwargs = self.scope["url_route"]["kwargs"]
        store = store_by_code(code=kwargs["store_code"])
        zone = kwargs["zone"]
        if zone not in TemperatureZone.values or store is None:
            return None
        if not has_store_role(user=user, store_id=store.pk, roles=PICK_ROLES):
            return None
        self.store, self.zone = store, zone
        return realtime.groups.store_zone(store.pk, zone)

    def build_snapshot(self) -> dict[str, Any]:
        return picking_selectors.zone_snapshot(store=self.store, zone=self.zone)
