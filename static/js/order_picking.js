/* The picking part of the shopper's live order page (pickup and delivery orders): items picked
 * of all, each line's state and the shopper's choice if it is out of stock, and substitutes the
 * picker proposes, with Accept / Decline. State from GET /api/v1/orders/<number>/picking/,
 * fetched again whenever the order group announces `pick.progress` (docs/realtime.md). */
(function () {
  "use strict";
  const root = document.getElementById("picking");
  if (!root || !window.OmoShop || !window.OmoRealtime) return;
  const api = window.OmoShop.api;
  const lang = root.dataset.lang;
  const msg = (name) => root.getAttribute(`data-msg-${name}`) || name;
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => (k in values ? values[k] : ""));
  const local = (name) => name[lang] || name.en;
  let state = null;

  function proposalItem(p) {
    const item = document.createElement("li");
    item.className = "proposal";
    item.dataset.id = p.id;
    const text = document.createElement("p");
    text.textContent = fill(msg("proposal"), {
      original: local(p.original), substitute: local(p.substitute), price: p.unit_price.formatted,
    });
    const by = document.createElement("p");
    by.className = "muted small";
    by.textContent = fill(msg("answer-by"), { time: p.expires_at.slice(11, 16) });
    const yes = document.createElement("button");
    yes.type = "button"; yes.className = "accept"; yes.textContent = msg("accept");
    yes.addEventListener("click", () => answer(p, true));
    const no = document.createElement("button");
    no.type = "button"; no.className = "danger decline"; no.textContent = msg("decline");
    no.addEventListener("click", () => answer(p, false));
    const buttons = document.createElement("p");
    buttons.className = "proposal-buttons";
    buttons.append(yes, no);
    item.append(text, by, buttons);
    return item;
  }

  function lineItem(line, open) {
    const item = document.createElement("li");
    item.dataset.lineId = line.line_id;
    item.dataset.status = line.status;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = local(line.name);
    const status = document.createElement("span");
    status.className = "status";
    status.textContent = fill(msg(`status-${line.status}`), {
      name: line.substitute ? local(line.substitute) : "",
    });
    item.append(name, status);
    if (open && (line.status === "waiting" || line.status === "pending") && line.sold_by === "piece") {
      const select = document.createElement("select");
      select.setAttribute("aria-label", msg("choice-label"));
      const choices = ["best_match", "none"].concat(line.choice === "specific" ? ["specific"] : []);
      choices.forEach((value) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = `${msg("choice-label")}: ${msg(`choice-${value}`)}`;
        option.selected = value === line.choice;
        select.append(option);
      });
      select.addEventListener("change", () => choose(line, select.value));
      item.append(select);
    }
    return item;
  }

  function render() {
    root.hidden = !state || !state.lines.length;
    if (!state) return;
    document.getElementById("picking-progress").textContent = fill(msg("progress"), {
      picked: state.items_picked, total: state.items_total,
    });
    const bar = document.getElementById("picking-bar");
    bar.max = Math.max(state.items_total, 1);
    bar.value = state.items_picked;
    const ready = document.getElementById("pickup-ready");
    ready.hidden = !state.pickup_code;
    if (state.pickup_code) {
      document.getElementById("pickup-short").textContent = state.pickup_code;
      const qr = document.getElementById("pickup-qr");
      if (!qr.getAttribute("src")) qr.src = ready.dataset.qrUrl;
    }
    const open = ["placed", "paid", "picking"].includes(state.status);
    document.getElementById("proposals").replaceChildren(
      ...state.proposals.filter((p) => p.status === "proposed").map(proposalItem)
    );
    document.getElementById("picking-lines").replaceChildren(...state.lines.map((l) => lineItem(l, open)));
  }

  async function load() {
    const result = await api("GET", root.dataset.api);
    if (result.ok) { state = result.data; render(); }
  }

  async function answer(proposal, accept) {
    const result = await api("POST", `${root.dataset.answerApi}${proposal.id}/`, { accept });
    const message = document.getElementById("picking-message");
    if (result.ok) { state = result.data; message.textContent = ""; render(); }
    else { message.textContent = window.OmoShop.errorMessage(result, msg("failed")); load(); }
  }

  async function choose(line, choice) {
    const result = await api("PUT", `${root.dataset.choiceApi}${line.line_id}/substitution-choice/`, { choice });
    if (result.ok) { state = result.data; render(); }
    else document.getElementById("picking-message").textContent = window.OmoShop.errorMessage(result, msg("failed"));
  }

  window.OmoRealtime.connect(root.dataset.wsPath, {
    onSnapshot() { load(); },
    onEvent(frame) { if (frame.event === "pick.progress" || frame.event === "order.status") load(); },
  });
})();
