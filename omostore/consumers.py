"""The websocket consumer base every realtime screen builds on.

It authenticates the user from the session (AuthMiddlewareStack), lets the subclass decide whether
this user may watch this group (role and store), joins the group, sends a full snapshot with the
group's current sequence number, and then forwards numbered events. A client that sees a gap in
the numbers sends `{"type": "resync"}` and gets a new snapshot. The origin is checked in
`omostore.asgi` before any consumer runs.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from omostore import realtime

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class RealtimeConsumer(AsyncJsonWebsocketConsumer, metaclass=ABCMeta):
    """Subclasses implement `authorize` and `build_snapshot`; both run in a worker thread."""

    group: str | None = None

    @abstractmethod
    def authorize(self, user: Any) -> str | None:
        """Return the group this user may follow for this connection, or None to refuse."""

    @abstractmethod
    def build_snapshot(self) -> dict[str, Any]:
        """The full current state, read from the database (never from past events)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        group = await database_sync_to_async(self.authorize)(user)
        if group is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group
        # Join before reading the snapshot: an event committed in between arrives after the
        # snapshot with a higher number, and the client drops any number it already has.
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_snapshot(self) -> None:
        sequence, snapshot = await database_sync_to_async(self._numbered_snapshot)()
        await self.send_json({"type": "snapshot", "seq": sequence, "data": snapshot})

    def _numbered_snapshot(self) -> tuple[int, dict[str, Any]]:
        sequence = realtime.current_sequence(self.group)
        return sequence, self.build_snapshot()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "resync":
            await self.send_snapshot()
        else:
            await self.send_json({"type": "error", "message": "unknown message type"})

    async def realtime_event(self, message: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "event",
                "event": message["event"],
                "seq": message["seq"],
                "at": message["at"],
                "payload": message["payload"],
            }
        )
