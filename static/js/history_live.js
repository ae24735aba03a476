/* The order history page (/orders/, page 1) follows the member's history group
 * (`history.<user id>`, docs/realtime.md): a purchase at a staffed register, or any order the
 * group announces, appears at the top while the member watches. The state is the group's
 * snapshot folded with its events (OmoFolds.history); rows the server rendered are replaced by
 * the same rows built here, so the page shows exactly the state. */
(function () {
  "use strict";

  const marker = document.getElementById("history-live");
  const list = document.getElementById("order-list");
  if (!marker || !list || !window.OmoRealtime) return;
  const statusLabels = JSON.parse(document.getElementById("status-labels").textContent);
  const channelLabels = JSON.parse(document.getElementById("channel-labels").textContent);
  const pointsLabels = JSON.parse(document.getElementById("points-labels").textContent);
  const shop = window.OmoShop;
  let state = null;

  function text(tag, className, value) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = value;
    return element;
  }

  function row(order) {
    const li = document.createElement("li");
    li.className = "card order-row";
    li.id = `order-${order.number}`;
    li.dataset.channel = order.channel;
    li.dataset.status = order.status;
    const link = document.createElement("a");
    link.className = "order-link";
    link.href = `/orders/${encodeURIComponent(order.number)}/`;
    const head = text("span", "order-row-head", "");
    head.append(
      text("strong", "order-number", order.number),
      text("span", `channel-badge channel-${order.channel}`, channelLabels[order.channel] || order.channel),
      text("span", `order-status status-${order.status}`, statusLabels[order.status] || order.status),
    );
    const body = text("span", "order-row-body", "");
    const when = (order.created_at || "").slice(0, 16).replace("T", " ");
    const amounts = text("span", "order-amounts", "");
    amounts.append(text("strong", "order-total", order.total.formatted));
    if (order.points > 0) {
      // What the purchase earned: the snapshot's row, or a `history.points` event folded in.
      const label = order.points === 1 ? pointsLabels.one : pointsLabels.other;
      const points = text("span", "order-points", label.replace("%(counter)s", String(order.points)));
      points.dataset.points = String(order.points);
      amounts.append(points);
    }
    body.append(text("span", "muted", `${when} · ${order.store}`), amounts);
    const names = order.items.map((name) => shop.localName(name)).join(", ");
    const more = order.item_count > 3 ? ` +${order.item_count - 3}` : "";
    link.append(head, body, text("span", "order-items muted small", names + more));
    li.append(link);
    return li;
  }

  const emptyLine = document.getElementById("history-empty");

  function render() {
    const shown = new Set(state.orders.map((order) => order.number));
    // Rows of the first page that the snapshot does not cover stay as the server drew them.
    const kept = Array.from(list.querySelectorAll("li.order-row")).filter(
      (li) => !shown.has(li.id.replace(/^order-/, "")),
    );
    const rows = [...state.orders.map(row), ...kept];
    // Nothing bought yet: the server's "no orders yet" line stays until the first order.
    list.replaceChildren(...(rows.length || !emptyLine ? rows : [emptyLine]));
    list.dataset.live = String(state.orders.length);
  }

  window.OmoRealtime.connect(marker.dataset.wsPath, {
    onState(s) {
      marker.dataset.state = s;
    },
    onSnapshot(data) {
      state = data;
      render();
    },
    onEvent(frame) {
      state = window.OmoFolds.history.apply(state, frame);
      render();
    },
  });
})();
