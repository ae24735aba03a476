/* The pick screen (/staff/stores/<code>/tasks/<id>/): the task's lines in walking order; the
 * current line is confirmed by its barcode from the camera (BarcodeDetector, or the vendored
 * ZXing polyfill `barcode-detector`), a keyboard-wedge scanner (types digits + Enter into the
 * focused field) or typed; weighed lines take their grams; "Not found" reports a shortage.
 * Every confirmation carries a client id, so a retry after a dropped connection counts once.
 * Bags: "New bag" (or scanning a bag label of this task) opens a bag; items confirmed while it
 * is open are recorded into it, and finishing closes the bags and counts them.
 * The task's zone socket tells when someone else changed the task: the screen reloads it. */
(function () {
  "use strict";
  const root = document.getElementById("pick-task");
  if (!root || !window.OmoTablet) return;
  const T = window.OmoTablet;
  const api = root.dataset.api;
  const list = document.getElementById("lines");
  const feedback = document.getElementById("scan-feedback");
  const input = document.getElementById("scan-input");
  const lang = root.dataset.lang;
  let task = null;
  let current = null; // the line id scans go to
  let pendingWeight = null; // {line, grams, clientId} waiting for the picker's confirmation

  function say(state, text) {
    feedback.dataset.state = state;
    feedback.textContent = text;
    if (state === "ok" || state === "error") T.beep(state);
  }

  function name(line) { return line.name[lang] || line.name.en; }

  function pickCurrent() {
    const pending = task.lines.filter((l) => l.status === "pending");
    if (!pending.some((l) => l.id === current)) current = pending.length ? pending[0].id : null;
  }

  function render() {
    pickCurrent();
    list.replaceChildren(...task.lines.map((line) => {
      const item = document.createElement("li");
      item.className = `line zone-${task.zone}`;
      item.dataset.lineId = line.id;
      item.dataset.status = line.status;
      if (line.id === current) item.setAttribute("aria-current", "step");
      const picture = document.createElement(line.image ? "img" : "span");
      picture.className = "line-picture";
      if (line.image) { picture.src = line.image; picture.alt = ""; }
      const body = document.createElement("div");
      body.className = "line-body";
      const title = document.createElement("strong");
      title.textContent = name(line);
      const where = document.createElement("span");
      where.className = "line-where";
      where.textContent = T.format(T.msg(root, "aisle"), { aisle: line.aisle || "–", bay: line.bay || "–" });
      body.append(title, where);
      const qty = document.createElement("span");
      qty.className = "line-qty";
      qty.textContent = line.sold_by === "weight"
        ? `${line.quantity_picked || "–"} / ${line.quantity_ordered} g`
        : `${line.quantity_picked} / ${line.quantity_ordered}`;
      const state = document.createElement("span");
      state.className = "line-status";
      state.textContent = T.msg(root, `status-${line.status}`);
      const actions = document.createElement("div");
      actions.className = "line-actions";
      if (line.status === "pending") {
        if (line.sold_by === "weight") {
          const grams = document.createElement("input");
          grams.type = "number"; grams.min = "1"; grams.max = "10000"; grams.inputMode = "numeric";
          grams.className = "grams"; grams.placeholder = T.msg(root, "grams");
          grams.setAttribute("aria-label", T.msg(root, "grams"));
          const weigh = document.createElement("button");
          weigh.type = "button"; weigh.className = "weigh"; weigh.textContent = T.msg(root, "weigh");
          weigh.addEventListener("click", () => submitWeight(line, Number(grams.value), T.clientId(), false));
          actions.append(grams, weigh);
        }
        const short = document.createElement("button");
        short.type = "button"; short.className = "danger short"; short.textContent = T.msg(root, "short");
        short.addEventListener("click", () => notFound(line));
        actions.append(short);
      }
      if (line.substitution) {
        const sub = document.createElement("span");
        sub.className = "line-substitute";
        sub.dataset.status = line.substitution.status;
        sub.textContent = T.format(T.msg(root, `sub-${line.substitution.status}`), {
          name: line.substitution.name[lang] || line.substitution.name.en,
        });
        body.append(sub);
      }
      item.append(picture, body, qty, state, actions);
      item.addEventListener("click", (event) => {
        if (event.target.closest("button, input") || line.status !== "pending") return;
        current = line.id;
        render();
        input.focus();
      });
      return item;
    }));
    renderBags();
    const done = task.lines.every((l) => l.status !== "pending");
    document.getElementById("finish").disabled = !done || task.status !== "claimed";
    if (done && task.status === "claimed" && !feedback.textContent) say("info", T.msg(root, "choose-line"));
  }

  /** The open bag and its items; with bags opened, finishing needs no count. */
  function renderBags() {
    const bags = task.bags || [];
    const open = bags.find((b) => b.id === task.open_bag);
    const bar = document.getElementById("bag-bar");
    bar.dataset.open = open ? String(open.number) : "";
    document.getElementById("bag-state").textContent = open
      ? T.format(T.msg(root, "bag-open"), { n: open.number, items: open.items })
      : T.msg(root, "bag-none");
    document.getElementById("bag-chips").replaceChildren(...bags.map((b) => {
      const chip = document.createElement("span");
      chip.className = "open-bag-chip";
      chip.dataset.open = String(b.id === task.open_bag);
      chip.textContent = `#${b.number} · ${b.items}`;
      return chip;
    }));
    document.getElementById("print-bag").hidden = !bags.length;
    document.getElementById("new-bag").disabled = task.status !== "claimed";
    const count = document.getElementById("bags-count");
    document.getElementById("bags").hidden = document.getElementById("bags-label").hidden = bags.length > 0;
    count.hidden = !bags.length;
    count.textContent = T.format(T.msg(root, "bags-count"), { n: bags.length });
  }

  async function load() {
    const result = await T.api("GET", api);
    if (result.ok) {
      task = result.data;
      render();
      while (early.length) await submitBarcode(...early.shift());
    }
  }

  /** One POST that changes the task; the answer is the task as it is now. */
  async function act(path, body) {
    const result = await T.api("POST", api + path, body);
    if (result.ok) { task = result.data; render(); }
    return result;
  }

  function errorOf(result) {
    const error = result.data && result.data.error;
    return error ? error.message : T.msg(root, "failed");
  }

  // --- The outbox: a confirmation that could not reach the store (a dropped Wi-Fi, the server
  // restarting) waits on this tablet, with its client id, and is sent again in order as soon as
  // the connection is back; the server counts a client id once, so nothing is lost or doubled.
  const OUTBOX = `omo.outbox.${root.dataset.task}`;
  const outbox = {
    read() { try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; } },
    write(items) { try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { /* full */ } },
    add(path, body) { const items = this.read(); items.push({ path, body }); this.write(items); },
  };
  const offline = (result) => result.status === 0 || result.status >= 502;
  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      let items = outbox.read();
      while (items.length) {
        const result = await act(items[0].path, items[0].body);
        if (offline(result)) break;
        if (!result.ok) say("error", errorOf(result));
        items = outbox.read().slice(1);
        outbox.write(items);
      }
      const left = outbox.read().length;
      root.dataset.outbox = String(left);
      if (!left && feedback.dataset.state === "warn-offline") say("ok", T.msg(root, "sent"));
    } finally {
      flushing = false;
    }
  }
  window.addEventListener("online", flush);
  setInterval(flush, 3000);

  /** POST a confirmation; if the store cannot be reached, keep it in the outbox. */
  async function confirmation(path, body) {
    const result = await act(path, body);
    if (offline(result)) {
      outbox.add(path, body);
      root.dataset.outbox = String(outbox.read().length);
      feedback.dataset.state = "warn-offline";
      feedback.textContent = T.format(T.msg(root, "queued"), { n: outbox.read().length });
      T.beep("ok");
    }
    return result;
  }

  // Scans made before the task has loaded wait for it rather than being lost.
  const early = [];

  async function submitBarcode(barcode, source) {
    barcode = String(barcode || "").trim();
    if (!barcode) return;
    if (!task) { early.push([barcode, source]); return; }
    // A bag label's QR is its code, signed ("CODE:signature"): it opens that bag.
    if (barcode.includes(":")) { await openBag(barcode); return; }
    const line = task.lines.find((l) => l.id === current);
    if (!line) { say("error", T.msg(root, "choose-line")); return; }
    const result = await confirmation(`lines/${line.id}/scan/`, { barcode, source, client_id: T.clientId() });
    if (offline(result)) return;
    const error = result.data && result.data.error;
    if (result.ok) {
      const now = task.lines.find((l) => l.id === line.id);
      say("ok", now.sold_by === "weight"
        ? T.format(T.msg(root, "weighed"), { name: name(now), grams: now.quantity_picked })
        : T.format(T.msg(root, "ok"), { name: name(now), picked: now.quantity_picked, ordered: now.quantity_ordered }));
    } else if (error && error.code === "weight_needs_confirmation") {
      askWeight(line, error.details.grams, T.clientId(), error.message);  // a weight label
    } else {
      say("error", errorOf(result));
    }
  }

  async function submitWeight(line, grams, clientId, confirmed) {
    document.getElementById("weight-confirm").hidden = true;
    const result = await confirmation(`lines/${line.id}/weigh/`, { grams: Math.round(grams) || 0, client_id: clientId, confirmed });
    if (offline(result)) return;
    if (result.ok) {
      say("ok", T.format(T.msg(root, "weighed"), { name: name(line), grams: Math.round(grams) }));
    } else if (result.data && result.data.error && result.data.error.code === "weight_needs_confirmation") {
      askWeight(line, grams, clientId, errorOf(result));
    } else {
      say("error", errorOf(result));
    }
  }

  /** "Not found": offer the ranked substitutes (if the shopper wants one), or the refund. */
  async function notFound(line) {
    const panel = document.getElementById("substitutes");
    const list = document.getElementById("substitute-list");
    if (line.sold_by !== "piece") return reportShort(line);
    const result = await T.api("GET", `${api}lines/${line.id}/substitutes/`);
    if (!result.ok) { say("error", errorOf(result)); return; }
    list.replaceChildren(...result.data.map((row) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "substitute";
      button.textContent = T.format(T.msg(root, "offer"), {
        name: row.name[lang] || row.name.en, aisle: row.aisle || "–", price: row.price,
      });
      button.addEventListener("click", async () => {
        panel.hidden = true;
        const answer = await act(`lines/${line.id}/substitute/`, { offer: row.offer });
        if (answer.ok) say("info", T.msg(root, "asked"));
        else say("error", errorOf(answer));
      });
      return button;
    }));
    document.getElementById("substitute-none").onclick = () => { panel.hidden = true; reportShort(line); };
    document.getElementById("substitute-title").textContent = name(line);
    panel.hidden = false;
  }

  /** Outside the tolerance: the picker confirms this weight, or weighs again. */
  function askWeight(line, grams, clientId, text) {
    say("warn", text);
    pendingWeight = { line, grams, clientId };
    const yes = document.getElementById("weight-yes");
    yes.textContent = T.format(T.msg(root, "confirm-weight"), { grams: Math.round(grams) });
    document.getElementById("weight-confirm").hidden = false;
    T.beep("error");
  }

  async function reportShort(line) {
    const result = await act(`lines/${line.id}/short/`);
    if (!result.ok) say("error", errorOf(result));
    else say("info", `${name(line)}: ${T.msg(root, "status-short")}`);
  }

  document.getElementById("weight-yes").addEventListener("click", () => {
    if (pendingWeight) submitWeight(pendingWeight.line, pendingWeight.grams, pendingWeight.clientId, true);
    pendingWeight = null;
  });
  document.getElementById("weight-no").addEventListener("click", () => {
    pendingWeight = null;
    document.getElementById("weight-confirm").hidden = true;
  });

  // A keyboard-wedge scanner types the digits and Enter into the focused field, like a person.
  let typedAt = 0;
  input.addEventListener("keydown", () => { if (!input.value) typedAt = Date.now(); });
  document.getElementById("scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // A wedge types 13 digits in a few tens of milliseconds; a person takes seconds.
    const source = Date.now() - typedAt < 600 ? "wedge" : "typed";
    const value = input.value;
    input.value = "";
    submitBarcode(value, source);
    input.focus();
  });

  async function openBag(code) {
    const result = await act("bags/open/", { code });
    const open = result.ok && task.bags.find((b) => b.id === task.open_bag);
    if (open) say("ok", T.format(T.msg(root, "bag-opened"), { n: open.number }));
    else say("error", errorOf(result));
  }

  document.getElementById("new-bag").addEventListener("click", async () => {
    const result = await act("bags/");
    const open = result.ok && task.bags.find((b) => b.id === task.open_bag);
    if (open) say("ok", T.format(T.msg(root, "bag-opened"), { n: open.number }));
    else say("error", errorOf(result));
    input.focus();
  });

  document.getElementById("finish-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const bagged = task && task.bags && task.bags.length > 0;
    const result = await act("finish/", bagged ? {} : { bags: Number(document.getElementById("bags").value) });
    if (result.ok) window.location.assign(root.dataset.labelsUrl);
    else say("error", errorOf(result));
  });

  document.getElementById("unclaim").addEventListener("click", async () => {
    const result = await act("unclaim/");
    if (result.ok) window.location.assign(root.dataset.queueUrl);
    else say("error", errorOf(result));
  });

  // --- The camera ----------------------------------------------------------------------------
  const camera = { stream: null, detector: null, last: "", lastAt: 0, timer: 0 };
  async function detector() {
    const formats = ["ean_13", "qr_code"];  // products' barcodes, and bag labels
    if ("BarcodeDetector" in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        if (supported.includes("ean_13")) return new window.BarcodeDetector({ formats: formats.filter((f) => supported.includes(f)) });
      } catch (error) { /* fall through to the polyfill */ }
    }
    const polyfill = window.BarcodeDetectionAPI;
    if (!polyfill) return null;
    const wasm = root.dataset.wasm;
    polyfill.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
    });
    return new polyfill.BarcodeDetector({ formats });
  }
  async function cameraOn() {
    const box = document.getElementById("camera");
    const video = document.getElementById("camera-video");
    try {
      camera.detector = camera.detector || (await detector());
      camera.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      say("error", T.msg(root, "camera-failed"));
      return;
    }
    video.srcObject = camera.stream;
    box.hidden = false;
    root.dataset.camera = "on";
    say("info", T.msg(root, "camera-on"));
    const loop = async () => {
      if (!camera.stream) return;
      try {
        if (video.readyState >= 2) {
          const found = await camera.detector.detect(video);
          const code = found.length ? found[0].rawValue : "";
          const now = Date.now();
          if (code && (code !== camera.last || now - camera.lastAt > 1500)) {
            camera.last = code; camera.lastAt = now;
            await submitBarcode(code, "camera");
          }
        }
      } catch (error) { /* a frame that could not be read */ }
      camera.timer = setTimeout(loop, 150);
    };
    loop();
  }
  function cameraOff() {
    if (camera.stream) camera.stream.getTracks().forEach((t) => t.stop());
    camera.stream = null;
    clearTimeout(camera.timer);
    document.getElementById("camera").hidden = true;
    root.dataset.camera = "off";
  }
  document.getElementById("camera-toggle").addEventListener("click", () => (camera.stream ? cameraOff() : cameraOn()));

  // --- Countdown and live changes --------------------------------------------------------------
  const clock = document.getElementById("task-clock");
  function tick() {
    const left = T.countdown(clock.dataset.due);
    clock.textContent = left.text;
    clock.dataset.urgency = left.urgency;
  }
  setInterval(tick, 1000);
  tick();
  if (window.OmoRealtime) {
    window.OmoRealtime.connect(root.dataset.ws, {
      onState(state) { T.setLiveState("zone", state); },
      onSnapshot() { load().then(flush); },
      onEvent(frame) {
        const changed = frame.payload && frame.payload.task;
        if (changed && changed.id === Number(root.dataset.task)) load();
      },
    });
  } else {
    load();
  }
})();
