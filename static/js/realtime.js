/* Realtime client for every live screen.
 * The server sends {type: "snapshot", seq, data} on connect and {type: "event", seq, ...} after.
 * Events are numbered per group: a gap (a missed message, a Redis restart) asks for a new snapshot,
 * and a dropped socket reconnects with backoff and gets a new snapshot too.
 *
 * A refusal is final: the server closes with 4401 (not logged in: logged out, or the account was
 * deactivated) or 4403 (not allowed: a role was revoked). Then it does not reconnect, and says
 * why in the page's #live-refused element (base.html), in the page's language. */
(function () {
  "use strict";

  const REFUSALS = { 4401: "unauthenticated", 4403: "forbidden" };

  /** Show why live updates stopped, from the translated data-msg-* of #live-refused. */
  function showRefusal(reason) {
    const box = document.getElementById("live-refused");
    if (!box) return;
    const text = box.querySelector("[data-role=message]");
    if (text) text.textContent = box.dataset["msg" + reason[0].toUpperCase() + reason.slice(1)] || "";
    const login = box.querySelector("[data-role=login]");
    if (login) login.hidden = reason !== "unauthenticated";
    box.dataset.reason = reason;
    box.hidden = false;
  }

  function connect(path, handlers) {
    let socket, lastSeq = null, retry = 0, refused = false;
    const state = (s) => handlers.onState && handlers.onState(s);

    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}${path}`);
      state("connecting");
      socket.onopen = () => { retry = 0; };
      socket.onmessage = (message) => {
        const frame = JSON.parse(message.data);
        if (frame.type === "snapshot") {
          lastSeq = frame.seq;
          state("live");
          handlers.onSnapshot && handlers.onSnapshot(frame.data, frame.seq);
        } else if (frame.type === "event") {
          if (lastSeq === null || frame.seq <= lastSeq && frame.seq !== 1) return; // already seen
          if (frame.seq !== lastSeq + 1) {
            state("resyncing");
            socket.send(JSON.stringify({ type: "resync" }));
            return;
          }
          lastSeq = frame.seq;
          handlers.onEvent && handlers.onEvent(frame);
        } else {
          handlers.onMessage && handlers.onMessage(frame); // answers to what the page sent
        }
      };
      socket.onclose = (event) => {
        const reason = REFUSALS[event.code];
        if (reason) {
          refused = true;
          state("refused");
          showRefusal(reason);
          handlers.onRefused && handlers.onRefused(reason, event.code);
          return;
        }
        state("offline");
        retry = Math.min(retry + 1, 6);
        setTimeout(() => { if (!refused) open(); }, 500 * 2 ** retry);
      };
    }
    open();
    return {
      close: () => { refused = true; socket && socket.close(); },
      /** Send a JSON message if the socket is open; false when it is not (the caller retries). */
      send: (message) => {
        if (!socket || socket.readyState !== WebSocket.OPEN) return false;
        socket.send(JSON.stringify(message));
        return true;
      },
    };
  }
  window.OmoRealtime = { connect };
})();
