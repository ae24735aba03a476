/* Realtime client for every live screen.
 * The server sends {type: "snapshot", seq, data} on connect and {type: "event", seq, ...} after.
 * Events are numbered per group: a gap (a missed message, a Redis restart) asks for a new snapshot,
 * and a dropped socket reconnects with backoff and gets a new snapshot too. */
(function () {
  function connect(path, handlers) {
    let socket, lastSeq = null, retry = 0;
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
        }
      };
      socket.onclose = (event) => {
        if (event.code === 4401 || event.code === 4403) { state("refused"); return; }
        state("offline");
        retry = Math.min(retry + 1, 6);
        setTimeout(open, 500 * 2 ** retry);
      };
    }
    open();
    return { close: () => socket && socket.close() };
  }
  window.OmoRealtime = { connect };
})();
