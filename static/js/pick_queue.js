/* The pickers' queue (/staff/stores/<code>/): one socket per temperature zone
 * (/ws/staff/stores/<code>/zones/<zone>/, docs/realtime.md "The zone group"), each folded with
 * OmoFolds.zone; the picker chooses the zones shown (kept on this tablet); every task shows a
 * countdown to its due time that turns amber then red. Claim → the pick screen. */
(function () {
  "use strict";
  const root = document.getElementById("pick-queue");
  if (!root || !window.OmoRealtime || !window.OmoFolds || !window.OmoTablet) return;
  const T = window.OmoTablet;
  const list = document.getElementById("tasks");
  const message = document.getElementById("queue-message");
  const toggles = Array.from(root.querySelectorAll(".zone-toggle"));
  const me = Number(root.dataset.me);
  const KEY = `omo.zones.${root.dataset.store}`;
  const zoneNames = {};
  toggles.forEach((b) => { zoneNames[b.dataset.zone] = b.querySelector(".zone-name").textContent; });

  let chosen;
  try { chosen = JSON.parse(localStorage.getItem(KEY) || "null"); } catch (e) { chosen = null; }
  if (!Array.isArray(chosen)) chosen = toggles.map((b) => b.dataset.zone);
  const states = {};

  function taskUrl(id) { return root.dataset.taskUrl.replace(/0\/$/, `${id}/`); }

  function card(task) {
    const item = document.createElement("li");
    item.className = `task zone-${task.zone}`;
    item.dataset.taskId = task.id;
    item.dataset.status = task.status;
    const left = T.countdown(task.due_at);
    item.dataset.urgency = left.urgency;

    const head = document.createElement("div");
    head.className = "task-head";
    const number = document.createElement("strong");
    number.className = "task-number";
    number.textContent = task.order_number;
    const meta = document.createElement("span");
    meta.className = "task-meta";
    meta.textContent = `${zoneNames[task.zone] || task.zone} · ${T.msg(root, task.channel)} · ` +
      T.format(T.msg(root, "lines"), { done: task.lines_done, total: task.lines });
    head.append(number, meta);

    const clock = document.createElement("span");
    clock.className = "task-clock";
    clock.dataset.due = task.due_at;
    clock.textContent = left.text;

    const action = document.createElement("div");
    action.className = "task-action";
    if (task.status === "open") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "claim";
      button.textContent = T.msg(root, "claim");
      button.addEventListener("click", () => claim(task, button));
      action.append(button);
    } else if (task.picker && task.picker.id === me) {
      const link = document.createElement("a");
      link.className = "button continue";
      link.href = taskUrl(task.id);
      link.textContent = T.msg(root, "continue");
      action.append(link);
    } else {
      const taken = document.createElement("span");
      taken.className = "taken";
      taken.textContent = T.format(T.msg(root, "taken"), { name: task.picker ? task.picker.name : "" });
      action.append(taken);
    }
    if (root.dataset.manager && pickers.length) action.append(reassignControl(task));
    item.append(head, clock, action);
    return item;
  }

  const pickers = JSON.parse((document.getElementById("store-pickers") || {}).textContent || "[]");

  /** Managers: give an open or claimed task to a picker of the store. */
  function reassignControl(task) {
    const select = document.createElement("select");
    select.className = "reassign";
    select.setAttribute("aria-label", T.msg(root, "give-to"));
    const first = document.createElement("option");
    first.value = "";
    first.textContent = T.msg(root, "give-to");
    select.append(first);
    pickers.forEach((picker) => {
      const option = document.createElement("option");
      option.value = String(picker.id);
      option.textContent = picker.name;
      select.append(option);
    });
    select.addEventListener("change", async () => {
      if (!select.value) return;
      const result = await T.api("POST", `${root.dataset.apiBase}${task.id}/reassign/`, { picker: Number(select.value) });
      const error = result.data && result.data.error;
      message.textContent = result.ok
        ? T.format(T.msg(root, "given"), { name: select.selectedOptions[0].textContent })
        : (error && error.message) || T.msg(root, "claim-failed");
      message.dataset.sticky = "1";
      setTimeout(() => { message.dataset.sticky = ""; }, 4000);
    });
    return select;
  }

  function render() {
    toggles.forEach((button) => {
      const zone = button.dataset.zone;
      button.setAttribute("aria-pressed", String(chosen.includes(zone)));
      const open = states[zone] ? states[zone].tasks.filter((t) => t.status === "open").length : 0;
      root.querySelector(`[data-count-for="${zone}"]`).textContent = String(open);
    });
    const tasks = chosen
      .flatMap((zone) => (states[zone] ? states[zone].tasks : []))
      .sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : a.id - b.id));
    list.replaceChildren(...tasks.map(card));
    if (!chosen.length) message.textContent = T.msg(root, "no-zone");
    else if (!tasks.length) message.textContent = T.msg(root, "empty");
    else if (message.dataset.sticky !== "1") message.textContent = "";
  }

  function tick() {
    list.querySelectorAll(".task").forEach((item) => {
      const clock = item.querySelector(".task-clock");
      const left = T.countdown(clock.dataset.due);
      clock.textContent = left.text;
      item.dataset.urgency = left.urgency;
    });
  }

  async function claim(task, button) {
    button.disabled = true;
    const result = await T.api("POST", `${root.dataset.apiBase}${task.id}/claim/`);
    if (result.ok) {
      window.location.assign(taskUrl(task.id));
      return;
    }
    T.beep("error");
    const error = result.data && result.data.error;
    message.textContent = (error && error.message) || T.msg(root, "claim-failed");
    message.dataset.sticky = "1";
    setTimeout(() => { message.dataset.sticky = ""; }, 4000);
    button.disabled = false;
  }

  toggles.forEach((button) => {
    button.addEventListener("click", () => {
      const zone = button.dataset.zone;
      chosen = chosen.includes(zone) ? chosen.filter((z) => z !== zone) : chosen.concat([zone]);
      try { localStorage.setItem(KEY, JSON.stringify(chosen)); } catch (e) { /* private mode */ }
      render();
    });
  });

  toggles.forEach((button) => {
    const zone = button.dataset.zone;
    window.OmoRealtime.connect(`${root.dataset.wsBase}${zone}/`, {
      onState(state) { T.setLiveState(zone, state); },
      onSnapshot(data) { states[zone] = data; render(); },
      onEvent(frame) {
        if (!states[zone]) return;
        states[zone] = window.OmoFolds.zone.apply(states[zone], frame);
        render();
      },
    });
  });
  setInterval(tick, 1000);
  render();
})();
