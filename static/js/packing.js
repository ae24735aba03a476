/* The packing station (/staff/stores/<code>/pack/): orders whose zones are all picked; the
 * packer chooses one, scans each bag label (a signed code: a bag of another order is refused),
 * and "All n bags here" packs it. Live over the store's packing group (snapshot + numbered
 * `pack.order` events folded by OmoFolds.packing, resync on a gap; docs/realtime.md); every
 * action's answer is the list as it is now. */
(function () {
  "use strict";
  const root = document.getElementById("packing");
  if (!root || !window.OmoTablet || !window.OmoRealtime || !window.OmoFolds) return;
  const T = window.OmoTablet;
  const list = document.getElementById("pack-orders");
  const feedback = document.getElementById("pack-feedback");
  const input = document.getElementById("bag-input");
  let orders = [];
  let chosen = null;

  function say(state, text) {
    feedback.dataset.state = state;
    feedback.textContent = text;
    if (state === "ok" || state === "error") T.beep(state);
  }

  function render() {
    if (chosen && !orders.some((o) => o.number === chosen)) chosen = null;
    if (!chosen && orders.length) chosen = orders[0].number;
    list.replaceChildren(...orders.map((order) => {
      const item = document.createElement("li");
      item.className = "pack-order";
      item.dataset.number = order.number;
      if (order.number === chosen) item.setAttribute("aria-current", "true");
      const scanned = order.bags.filter((b) => b.scanned).length;
      const title = document.createElement("strong");
      title.textContent = `${order.number} · ${T.msg(root, order.channel)}`;
      const bags = document.createElement("div");
      bags.className = "pack-bags";
      order.bags.forEach((bag) => {
        const chip = document.createElement("span");
        chip.className = `bag-chip zone-${bag.zone}`;
        chip.dataset.scanned = String(bag.scanned);
        chip.textContent = `${bag.scanned ? "✓" : "□"} ${bag.number}`;
        bags.append(chip);
      });
      const count = document.createElement("span");
      count.className = "pack-count";
      count.textContent = T.format(T.msg(root, "bags"), { scanned, total: order.bags.length });
      const pack = document.createElement("button");
      pack.type = "button";
      pack.className = "pack";
      pack.disabled = scanned !== order.bags.length;
      pack.textContent = T.format(T.msg(root, "all-here"), { n: order.bags.length });
      pack.addEventListener("click", () => packOrder(order));
      item.append(title, bags, count, pack);
      item.addEventListener("click", (event) => {
        if (event.target.closest("button")) return;
        chosen = order.number;
        render();
        input.focus();
      });
      return item;
    }));
    document.getElementById("pack-empty").hidden = orders.length > 0;
  }

  let state = null; // the packing group's snapshot, with the events folded in

  async function packOrder(order) {
    const result = await T.api("POST", `${root.dataset.api}${encodeURIComponent(order.number)}/pack/`);
    if (result.ok) {
      orders = result.data;
      say("ok", T.format(T.msg(root, "packed"), { number: order.number }));
      render();
    } else {
      say("error", (result.data && result.data.error && result.data.error.message) || T.msg(root, "failed"));
    }
  }

  document.getElementById("bag-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (!code || !chosen) return;
    const result = await T.api("POST", `${root.dataset.api}${encodeURIComponent(chosen)}/bags/`, { code });
    if (result.ok) {
      orders = result.data;
      say("ok", T.msg(root, "scanned"));
      render();
    } else {
      say("error", (result.data && result.data.error && result.data.error.message) || T.msg(root, "failed"));
    }
    input.focus();
  });

  window.OmoRealtime.connect(root.dataset.ws, {
    onState(live) { T.setLiveState("packing", live); },
    onSnapshot(data) { state = data; orders = data.orders; render(); },
    onEvent(frame) {
      if (!state) return;
      state = window.OmoFolds.packing.apply(state, frame);
      orders = state.orders;
      render();
    },
  });
})();
