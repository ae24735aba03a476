from typing import Any

from omostore.consumers import RealtimeConsumer
from omostore.realtime import group_name
from stores.roles import FLOOR_ROLES
from stores.selectors import has_store_role, store_by_code


def store_feed_group(store_id: int) -> str:
    return group_name("store", store_id)


class StoreFeedConsumer(RealtimeConsumer):
    """The live feed on a store's staff tablets: `/ws/staff/stores/<store_code>/feed/`."""

    def authorize(self, user: Any) -> str | None:
        store = store_by_code(code=self.scope["url_route"]["kwargs"]["store_code"])
        if store is None or not has_store_role(user=user, store_id=store.pk, roles=FLOOR_ROLES):
            return None
        self.store = store
        return store_feed_group(store.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return {
            "store": {"code": self.store.code, "name": self.store.name},
            # The pick-pack issue adds the open pick tasks here.
        }
