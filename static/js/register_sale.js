/* A register sale's page: print the receipt, and refund lines (POST with an Idempotency-Key). */
(function () {
  "use strict";

  const print = document.getElementById("receipt-print");
  if (print) print.addEventListener("click", () => window.print());

  const root = document.getElementById("register-refund");
  if (!root) return;
  const shop = window.OmoShop;
  const form = document.getElementById("register-refund-form");
  const message = document.getElementById("register-refund-message");
  let key = shop.newKey();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const lines = [];
    form.querySelectorAll("input[data-line]").forEach((input) => {
      const quantity = parseInt(input.value, 10);
      if (quantity > 0) lines.push({ line_id: parseInt(input.dataset.line, 10), quantity: quantity });
    });
    if (!lines.length) {
      message.textContent = shop.msg(root, "none", "Choose at least one line.");
      return;
    }
    const answer = await shop.api(
      "POST",
      root.dataset.api,
      { store: root.dataset.store, lines: lines, reason: form.reason.value },
      { "Idempotency-Key": key },
    );
    if (answer.ok) {
      window.location.reload();
      return;
    }
    if (answer.status !== 0) key = shop.newKey();
    message.textContent = shop.errorMessage(answer, shop.msg(root, "failed", "Could not reach the store."));
    message.dataset.state = "error";
  });
})();
