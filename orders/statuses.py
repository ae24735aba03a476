"""The order status pipeline: which status may follow which. `set_status` enforces it."""

from orders.models import Channel, OrderStatus

S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PICKING, S.EXITED, S.CANCELLED, S.REFUNDED}),
    S.PICKING: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED}),
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.COLLECTED: frozenset({S.REFUNDED}),
    S.EXITED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# Statuses a channel never passes through: scan & go orders are never picked, and so on.
NOT_IN_CHANNEL: dict[str, frozenset[str]] = {
    Channel.IN_STORE: frozenset(
        {S.PICKING, S.PACKED, S.OUT_FOR_DELIVERY, S.DELIVERED, S.READY_FOR_PICKUP, S.COLLECTED}
    ),
    Channel.PICKUP: frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXITED}),
    Channel.DELIVERY: frozenset({S.READY_FOR_PICKUP, S.COLLECTED, S.EXITED}),
}

# A member may cancel (with a refund) until the staff start picking.
CANCELLABLE_BY_MEMBER = frozenset({S.PLACED, S.PAID})
OPEN_STATUSES = frozenset(
    {S.PLACED, S.PAID, S.PICKING, S.PACKED, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP}
)


def can_transition(*, channel: str, from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset()) and to_status not in (
        NOT_IN_CHANNEL.get(channel, frozenset())
    )
