/* Shared helpers of the staff tablets (pick queue, pick screen, packing station):
 * window.OmoTablet = {api, format, msg, beep, countdown, setLiveState, clientId}.
 * Texts come from the templates' translated data-msg-* attributes; errors from the API's own
 * {"error": {"code", "message"}}. */
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** fetch() for the JSON API: resolves to {ok, status, data}; a network failure is status 0. */
  async function api(method, url, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      return { ok: false, status: 0, data: null };
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return { ok: response.ok, status: response.status, data };
  }

  /** "%(name)s" placeholders of a translated text filled from `values`. */
  function format(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, (_, key) => (key in values ? values[key] : ""));
  }

  function msg(element, name) {
    const attribute = "data-msg-" + name;
    const holder = element.closest("[" + attribute + "]");
    return holder ? holder.getAttribute(attribute) : name;
  }

  let audio = null;
  /** A short tone: "ok" one high beep, "error" two low buzzes (distinct without looking). */
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = kind === "ok" ? [[1320, 0, 0.12]] : [[220, 0, 0.18], [180, 0.24, 0.3]];
      for (const [frequency, start, length] of tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = kind === "ok" ? "sine" : "square";
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.2;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
    } catch (error) {
      /* no sound on this device: the message on screen says it all */
    }
    document.body.dataset.lastBeep = kind;
  }

  /** Seconds left until an ISO time, and its urgency: "ok", "amber" (< 5 min), "red" (< 2 min). */
  function countdown(dueIso, now) {
    const seconds = Math.round((Date.parse(dueIso) - (now || Date.now())) / 1000);
    const urgency = seconds < 120 ? "red" : seconds < 300 ? "amber" : "ok";
    const sign = seconds < 0 ? "-" : "";
    const abs = Math.abs(seconds);
    const text = `${sign}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
    return { seconds, urgency, text };
  }

  /** The live indicator in the top bar, from the worst state of the page's sockets. */
  const states = {};
  function setLiveState(key, state) {
    states[key] = state;
    const order = ["refused", "offline", "resyncing", "connecting", "live"];
    const worst = order.find((s) => Object.values(states).includes(s)) || "live";
    const box = document.getElementById("live-state");
    if (!box) return;
    box.hidden = false;
    box.dataset.state = worst;
    box.textContent = box.getAttribute("data-msg-" + worst) || worst;
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  }

  window.OmoTablet = { api, format, msg, beep, countdown, setLiveState, clientId };
})();
