/* The pickup counter (/staff/stores/<code>/counter/): a 2D scanner (a keyboard wedge) or the
 * keyboard enters the shopper's pickup QR or 6-digit code; the order's bags are listed; "Bags
 * handed over" marks the order collected. */
(function () {
  "use strict";
  const root = document.getElementById("counter");
  if (!root || !window.OmoTablet) return;
  const T = window.OmoTablet;
  const input = document.getElementById("pickup-input");
  const feedback = document.getElementById("pickup-feedback");
  const result = document.getElementById("pickup-result");
  let current = null;

  function say(state, text) {
    feedback.dataset.state = state;
    feedback.textContent = text;
    if (state === "ok" || state === "error") T.beep(state);
  }
  const error = (answer) => (answer.data && answer.data.error && answer.data.error.message) || T.msg(root, "failed");

  document.getElementById("pickup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    if (!code) return;
    const answer = await T.api("POST", root.dataset.verifyApi, { code });
    if (!answer.ok) { current = null; result.hidden = true; say("error", error(answer)); return; }
    current = answer.data;
    say("ok", T.format(T.msg(root, "found"), { number: current.number, name: current.member, bags: current.bags.length }));
    document.getElementById("pickup-bags").replaceChildren(...current.bags.map((bag) => {
      const chip = document.createElement("span");
      chip.className = `bag-chip zone-${bag.zone}`;
      chip.textContent = `${bag.number}`;
      return chip;
    }));
    result.hidden = false;
  });

  document.getElementById("hand-over").addEventListener("click", async () => {
    if (!current) return;
    const answer = await T.api("POST", `${root.dataset.handOverApi}${encodeURIComponent(current.number)}/hand-over/`);
    if (answer.ok) { say("ok", T.format(T.msg(root, "done"), { number: current.number })); result.hidden = true; current = null; }
    else say("error", error(answer));
    input.focus();
  });
})();
