from typing import Any

from channels.db import database_sync_to_async

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


class PackingConsumer(RealtimeConsumer):
    """A store's packing station: `/ws/staff/stores/<store_code>/packing/`. Group
    `realtime.groups.store_packing`; snapshot and events in docs/realtime.md ("The packing
    group")."""

    def authorize(self, user: Any) -> str | None:
        store = store_by_code(code=self.scope["url_route"]["kwargs"]["store_code"])
        if store is None or not has_store_role(
            user=user, store_id=store.pk, roles=[Role.PACKER, Role.MANAGER]
        ):
            return None
        self.store = store
        return realtime.groups.store_packing(store.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return picking_selectors.packing_snapshot(store=self.store)


class RiderConsumer(RealtimeConsumer):
    """The rider's phone: `/ws/rider/`. Group `realtime.groups.rider(user id)`; the snapshot is
    the current trip, events `rider.trip` (docs/realtime.md). The phone sends
    `{"type": "location", "lat": .., "lon": ..}` every ~10 s while on a trip; the answer is
    `{"type": "location.ok"}` or `{"type": "error", "code": ..}` (not on a trip, not a place)."""

    def authorize(self, user: Any) -> str | None:
        from fulfillment.dispatch_service import selectors

        riders = [
            rider
            for rider in selectors.riders_of_user(user=user)
            if has_store_role(user=user, store_id=rider.store_id, roles=[Role.RIDER])
        ]
        if not riders:
            return None
        self.rider_ids = [rider.pk for rider in riders]
        return realtime.groups.rider(user.pk)

    def _rider(self):
        from fulfillment.dispatch_service import selectors
        from fulfillment.models import Rider

        riders = list(Rider.objects.filter(pk__in=self.rider_ids).select_related("store"))
        with_trip = [r for r in riders if selectors.current_trip(rider=r) is not None]
        return (with_trip or riders)[0]

    def build_snapshot(self) -> dict[str, Any]:
        from fulfillment.dispatch_service import selectors

        return selectors.rider_snapshot(rider_id=self._rider().pk)

    def _record_location(self, content: dict) -> dict[str, Any]:
        from fulfillment.dispatch_service import trips
        from omostore.errors import DomainError

        try:
            trips.record_location(
                rider=self._rider(), lat=content.get("lat"), lon=content.get("lon")
            )
        except DomainError as exc:
            return {"type": "error", "code": exc.code, "message": exc.message}
        return {"type": "location.ok"}

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.closing:
            return
        if isinstance(content, dict) and content.get("type") == "location":
            if await self.check_still_allowed():
                answer = await database_sync_to_async(self._record_location)(content)
                await self.send_json(answer)
            return
        await super().receive_json(content, **kwargs)


class DispatchBoardConsumer(RealtimeConsumer):
    """The manager's dispatch board: `/ws/staff/stores/<store_code>/dispatch/`. Group
    `realtime.groups.dispatch(store id)`; the snapshot is the board's summary, events
    `dispatch.changed` (docs/realtime.md)."""

    def authorize(self, user: Any) -> str | None:
        store = store_by_code(code=self.scope["url_route"]["kwargs"]["store_code"])
        if store is None or not has_store_role(user=user, store_id=store.pk, roles=[Role.MANAGER]):
            return None
        self.store = store
        return realtime.groups.dispatch(store.pk)

    def build_snapshot(self) -> dict[str, Any]:
        from fulfillment.dispatch_service import selectors

        return selectors.board_summary(store=self.store)
