/* The staff store feed (/staff/stores/<code>/feed/): the store's live events, newest first.
 * Needs realtime.js (window.OmoRealtime); texts come from data-msg-* on #feed-status. */
(function () {
  "use strict";
  const status = document.getElementById("feed-status");
  const list = document.getElementById("feed-events");
  if (!status || !list || !window.OmoRealtime) return;

  window.OmoRealtime.connect(status.dataset.wsPath, {
    onState(state) {
      status.dataset.state = state;
      const key = "msg" + state[0].toUpperCase() + state.slice(1);
      status.textContent = status.dataset[key] || state;
    },
    onSnapshot(data) { status.dataset.store = data.store.code; },
    onEvent(event) {
      const item = document.createElement("li");
      item.textContent = `#${event.seq} ${event.event}: ${JSON.stringify(event.payload)}`;
      list.prepend(item);
    },
  });
})();
