/* How a live screen folds the numbered events of its realtime group into the snapshot it got
 * on connect (docs/realtime.md describes every group's snapshot and events).
 *
 * Each fold is a pure function (state, frame) -> new state: it never touches the page, so the
 * screens render whatever state results, and the test suite runs these very functions in
 * Chromium to prove that snapshot + events = the snapshot the server would send now
 * (tests/omostore/test_realtime_folds.py, which also keeps a Python copy of each fold).
 *
 * window.OmoFolds = {order: {apply}, store: {apply}, zone: {apply}, packing: {apply}}. Events a fold does not know, or that are
 * about another order, leave the state as it is.
 */
(function (global) {
  "use strict";

  function copy(value) {
    return JSON.parse(JSON.stringify(value));
  }

  /** Insert or replace `item` in `list` by its id, keeping the list sorted by id. */
  function upsertById(list, item) {
    const rest = list.filter((existing) => existing.id !== item.id);
    rest.push(item);
    rest.sort((a, b) => a.id - b.id);
    return rest;
  }

  // --- The order group: one order's live page ------------------------------------------------

  const order = {
    apply(state, frame) {
      const payload = frame.payload || {};
      if (payload.number !== state.number) return state;
      const next = copy(state);
      if (frame.event === "order.status") {
        next.status = payload.order.status;
        next.status_display = payload.order.status_display;
        next.paid_at = payload.order.paid_at;
        next.promised_by = payload.order.promised_by;
        next.timeline = upsertById(next.timeline, payload.entry);
      } else if (frame.event === "order.timeline") {
        next.timeline = upsertById(next.timeline, payload.entry);
      } else if (frame.event === "order.refund") {
        next.refunds = upsertById(next.refunds, payload.refund);
        next.refunded = payload.refunded;
      } else {
        return state;
      }
      return next;
    },
  };

  // --- The store group: the store feed on the staff tablets ----------------------------------

  function feedKey(summary) {
    return [summary.paid_at || "", summary.number];
  }

  function compareFeed(a, b) {
    const [ka, kb] = [feedKey(a), feedKey(b)];
    for (let i = 0; i < ka.length; i += 1) {
      if (ka[i] < kb[i]) return -1;
      if (ka[i] > kb[i]) return 1;
    }
    return 0;
  }

  const store = {
    apply(state, frame) {
      if (frame.event !== "order.status") return state;
      const summary = frame.payload.order;
      const next = copy(state);
      next.orders = next.orders.filter((existing) => existing.number !== summary.number);
      if (next.feed_statuses.includes(summary.status)) next.orders.push(summary);
      next.orders.sort(compareFeed);
      return next;
    },
  };

  // --- The zone group: one temperature zone's pick queue on the pickers' tablets -------------

  function compareQueue(a, b) {
    if (a.due_at < b.due_at) return -1;
    if (a.due_at > b.due_at) return 1;
    return a.id - b.id;
  }

  const zone = {
    apply(state, frame) {
      if (frame.event !== "pick.task") return state;
      const task = frame.payload.task;
      if (task.zone !== state.zone) return state;
      const next = copy(state);
      next.tasks = next.tasks.filter((existing) => existing.id !== task.id);
      if (next.queue_statuses.includes(task.status)) next.tasks.push(task);
      next.tasks.sort(compareQueue);
      return next;
    },
  };

  // --- The packing group: a store's packing station ------------------------------------------

  function comparePacking(a, b) {
    if (a.due_at < b.due_at) return -1;
    if (a.due_at > b.due_at) return 1;
    return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  }

  const packing = {
    apply(state, frame) {
      if (frame.event !== "pack.order") return state;
      const payload = frame.payload;
      const next = copy(state);
      next.orders = next.orders.filter((existing) => existing.number !== payload.number);
      if (payload.order) next.orders.push(payload.order);
      next.orders.sort(comparePacking);
      return next;
    },
  };

  // The member's history (`history.<user id>`): newest first, as many rows as the snapshot had
  // room for; a `history.order` row replaces the row of its number or comes in at its place, and
  // `history.points` sets what a listed order earned (an order not listed is left alone).
  const HISTORY_ROWS = 20;
  const history = {
    apply(state, frame) {
      if (frame.event === "history.points") {
        const earned = frame.payload;
        if (!state.orders.some((existing) => existing.number === earned.number)) return state;
        const next = copy(state);
        next.orders = next.orders.map((existing) =>
          existing.number === earned.number ? Object.assign({}, existing, { points: earned.points }) : existing,
        );
        return next;
      }
      if (frame.event !== "history.order") return state;
      const row = frame.payload;
      const next = copy(state);
      next.orders = next.orders.filter((existing) => existing.number !== row.number);
      next.orders.push(row);
      next.orders.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
      next.orders = next.orders.slice(0, HISTORY_ROWS);
      return next;
    },
  };

  global.OmoFolds = { order: order, store: store, zone: zone, packing: packing, history: history };
})(window);
