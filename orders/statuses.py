"""The order status pipeline: which status may follow which, and who may make each move.
`set_status` enforces it; docs/orders.md shows it as a table generated from this module
(`python manage.py status_table --write`; a test fails when the two differ)."""

from __future__ import annotations

from orders.models import Channel, OrderStatus

S = OrderStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PICKING, S.EXITED, S.CANCELLED, S.REFUNDED}),
    S.PICKING: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP, S.CANCELLED}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED, S.DELIVERY_FAILED}),
    # Back at the store: the manager sends it again (packed, to the dispatcher) or cancels it
    # with a refund.
    S.DELIVERY_FAILED: frozenset({S.PACKED, S.CANCELLED}),
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.COLLECTED: frozenset({S.REFUNDED}),
    S.EXITED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# Statuses a channel never passes through: scan & go orders are never picked, and so on.
NOT_IN_CHANNEL: dict[str, frozenset[str]] = {
    Channel.IN_STORE: frozenset(
        {
            S.PICKING,
            S.PACKED,
            S.OUT_FOR_DELIVERY,
            S.DELIVERED,
            S.DELIVERY_FAILED,
            S.READY_FOR_PICKUP,
            S.COLLECTED,
        }
    ),
    Channel.PICKUP: frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED, S.DELIVERY_FAILED, S.EXITED}),
    Channel.DELIVERY: frozenset({S.READY_FOR_PICKUP, S.COLLECTED, S.EXITED}),
    # A register sale is placed and paid at the counter in one step: the goods leave with the
    # shopper, and money goes back by refunds of its lines at a register.
    Channel.REGISTER: frozenset(
        {
            S.PICKING,
            S.PACKED,
            S.OUT_FOR_DELIVERY,
            S.DELIVERED,
            S.DELIVERY_FAILED,
            S.READY_FOR_PICKUP,
            S.COLLECTED,
            S.EXITED,
        }
    ),
}

# A member may cancel (with a refund) until the staff start picking; a paid scan & go order is
# already in the shopper's bag, so it is refunded at the counter, not in the app.
CANCELLABLE_BY_MEMBER = frozenset({S.PLACED, S.PAID})
# The store may cancel (refunding what was paid) until the order leaves the store: a shortage
# while picking, a pickup order never collected.
CANCELLABLE_BY_STAFF = frozenset(
    {S.PLACED, S.PAID, S.PICKING, S.PACKED, S.READY_FOR_PICKUP, S.DELIVERY_FAILED}
)
OPEN_STATUSES = frozenset(
    {
        S.PLACED,
        S.PAID,
        S.PICKING,
        S.PACKED,
        S.OUT_FOR_DELIVERY,
        S.DELIVERY_FAILED,
        S.READY_FOR_PICKUP,
    }
)
# Moves that only a service makes, never a staff button: paying (the payment provider),
# leaving the store (the exit pass), cancelling and refunding (with their money).
# Out for delivery, delivered and not delivered are the rider's moves (bag scans, the delivery
# code), never a manager's button.
SYSTEM_ONLY = frozenset(
    {
        S.PAID,
        S.EXITED,
        S.CANCELLED,
        S.REFUNDED,
        S.OUT_FOR_DELIVERY,
        S.DELIVERED,
        S.DELIVERY_FAILED,
    }
)


def can_transition(*, channel: str, from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset()) and to_status not in (
        NOT_IN_CHANNEL.get(channel, frozenset())
    )


def next_statuses(*, channel: str, from_status: str) -> list[str]:
    """Every status the order may move to next, in the pipeline's order."""
    return [
        status
        for status in S.values
        if can_transition(channel=channel, from_status=from_status, to_status=status)
    ]


def member_may_cancel(*, channel: str, status: str) -> bool:
    """The one rule for the shopper's Cancel button, the API and the service."""
    return (
        status in CANCELLABLE_BY_MEMBER
        and channel != Channel.REGISTER
        and not (channel == Channel.IN_STORE and status == S.PAID)
    )


def staff_may_cancel(*, channel: str, status: str) -> bool:
    """The one rule for the store's Cancel: before the order has left the store."""
    return (
        status in CANCELLABLE_BY_STAFF
        and not (channel == Channel.REGISTER and status == S.PAID)
        and status not in NOT_IN_CHANNEL.get(channel, frozenset())
        and can_transition(channel=channel, from_status=status, to_status=S.CANCELLED)
    )


def staff_moves(*, channel: str, from_status: str) -> list[str]:
    """The statuses a manager may set by hand (mark packed, ready for pickup, collected...)."""
    return [
        status
        for status in next_statuses(channel=channel, from_status=from_status)
        if status not in SYSTEM_ONLY
    ]


def status_table_markdown() -> str:
    """The pipeline as the Markdown table in docs/orders.md."""

    def names(statuses) -> str:
        ordered = [s for s in S.values if s in statuses]
        return ", ".join(f"`{s}`" for s in ordered) or "—"

    channels = list(Channel.values)
    head = [
        "| status | " + " | ".join(f"next ({c})" for c in channels) + " | "
        "member may cancel | staff may cancel | staff buttons |",
        "| --- | " + " | ".join("---" for _ in channels) + " | --- | --- | --- |",
    ]
    rows = []
    for status in S.values:
        per_channel = []
        for channel in channels:
            if status in NOT_IN_CHANNEL[channel]:
                per_channel.append("(never)")
            else:
                per_channel.append(names(next_statuses(channel=channel, from_status=status)))
        member = [c for c in channels if member_may_cancel(channel=c, status=status)]
        staff = [c for c in channels if staff_may_cancel(channel=c, status=status)]
        buttons = sorted(
            {
                m
                for c in channels
                if status not in NOT_IN_CHANNEL[c]
                for m in staff_moves(channel=c, from_status=status)
            },
            key=S.values.index,
        )
        rows.append(
            f"| `{status}` | "
            + " | ".join(per_channel)
            + f" | {', '.join(member) or 'no'} | {', '.join(staff) or 'no'} | "
            + f"{names(buttons)} |"
        )
    return "\n".join(head + rows) + "\n"
