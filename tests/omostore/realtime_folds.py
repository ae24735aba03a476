"""The client-side folds of the realtime groups, in Python: each mirrors, line for line, the
function of the same group in static/js/live_folds.js (which the live screens run). The tests
fold numbered events received over a real websocket into an earlier snapshot with these, run
the JavaScript folds in Chromium on the same frames, and compare both with a fresh snapshot
(Zulip's `verify_action` way). docs/realtime.md describes the snapshots and events."""

from __future__ import annotations

import copy
from typing import Any


def _upsert_by_id(items: list[dict], item: dict) -> list[dict]:
    rest = [existing for existing in items if existing["id"] != item["id"]]
    rest.append(item)
    return sorted(rest, key=lambda entry: entry["id"])


def fold_order(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """OmoFolds.order.apply: the order group (one order's live page)."""
    payload = frame.get("payload") or {}
    if payload.get("number") != state["number"]:
        return state
    new = copy.deepcopy(state)
    if frame["event"] == "order.status":
        new["status"] = payload["order"]["status"]
        new["status_display"] = payload["order"]["status_display"]
        new["paid_at"] = payload["order"]["paid_at"]
        new["promised_by"] = payload["order"]["promised_by"]
        new["timeline"] = _upsert_by_id(new["timeline"], payload["entry"])
    elif frame["event"] == "order.timeline":
        new["timeline"] = _upsert_by_id(new["timeline"], payload["entry"])
    elif frame["event"] == "order.refund":
        new["refunds"] = _upsert_by_id(new["refunds"], payload["refund"])
        new["refunded"] = payload["refunded"]
    else:
        return state
    return new


def _feed_key(summary: dict[str, Any]) -> tuple[str, str]:
    return (summary["paid_at"] or "", summary["number"])


def fold_store(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """OmoFolds.store.apply: the store group (the store feed on the staff tablets)."""
    if frame["event"] != "order.status":
        return state
    summary = frame["payload"]["order"]
    new = copy.deepcopy(state)
    new["orders"] = [o for o in new["orders"] if o["number"] != summary["number"]]
    if summary["status"] in new["feed_statuses"]:
        new["orders"].append(summary)
    new["orders"].sort(key=_feed_key)
    return new


def fold_packing(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """OmoFolds.packing.apply: the packing group (a store's packing station)."""
    if frame["event"] != "pack.order":
        return state
    payload = frame["payload"]
    new = copy.deepcopy(state)
    new["orders"] = [o for o in new["orders"] if o["number"] != payload["number"]]
    if payload["order"] is not None:
        new["orders"].append(payload["order"])
    new["orders"].sort(key=lambda o: (o["due_at"], o["number"]))
    return new


def fold_zone(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """OmoFolds.zone.apply: the zone group (one zone's pick queue on the pickers' tablets)."""
    if frame["event"] != "pick.task":
        return state
    task = frame["payload"]["task"]
    if task["zone"] != state["zone"]:
        return state
    new = copy.deepcopy(state)
    new["tasks"] = [t for t in new["tasks"] if t["id"] != task["id"]]
    if task["status"] in new["queue_statuses"]:
        new["tasks"].append(task)
    new["tasks"].sort(key=lambda t: (t["due_at"], t["id"]))
    return new


HISTORY_ROWS = 20


def fold_history(state: dict[str, Any], frame: dict[str, Any]) -> dict[str, Any]:
    """OmoFolds.history.apply: the member's history group (the order history page)."""
    payload = frame.get("payload") or {}
    if frame["event"] == "history.points":
        if not any(o["number"] == payload["number"] for o in state["orders"]):
            return state
        new = copy.deepcopy(state)
        for row in new["orders"]:
            if row["number"] == payload["number"]:
                row["points"] = payload["points"]
        return new
    if frame["event"] != "history.order":
        return state
    new = copy.deepcopy(state)
    new["orders"] = [o for o in new["orders"] if o["number"] != payload["number"]] + [payload]
    new["orders"].sort(key=lambda o: o["created_at"], reverse=True)
    new["orders"] = new["orders"][:HISTORY_ROWS]
    return new


def fold(group_fold, snapshot: dict[str, Any], frames: list[dict[str, Any]]) -> dict[str, Any]:
    state = snapshot
    for frame in frames:
        state = group_fold(state, frame)
    return state
