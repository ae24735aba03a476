/* The wallet page (/wallet/): a top-up through POST /api/v1/wallet/top-ups/ (Idempotency-Key,
 * kept while the same amount and method are retried, so a retry never pays twice). A test-card
 * top-up waits for Approve/Decline (its confirm_url); a card top-up is confirmed with Stripe.js.
 * The balance is the server's: the page reloads (or goes back to ?next=) when the money is in.
 * Needs cart.js (window.OmoShop). */
(function () {
  "use strict";
  const form = document.getElementById("top-up-form");
  if (!form || !window.OmoShop) return;
  const shop = window.OmoShop;
  const errorBox = document.getElementById("top-up-error");
  const statusBox = document.getElementById("top-up-status");
  const amountInput = document.getElementById("top-up-amount");
  const submit = document.getElementById("top-up-submit");
  const msg = (name, fallback) => shop.msg(form, name, fallback);
  let key = null;
  let keyFor = "";
  let stripe = null;
  let cardElement = null;
  if (form.dataset.stripeKey && window.Stripe) {
    stripe = window.Stripe(form.dataset.stripeKey);
    cardElement = stripe.elements().create("card");
    cardElement.mount("#card-element");
  }

  form.querySelectorAll("[data-amount]").forEach((button) =>
    button.addEventListener("click", () => {
      amountInput.value = button.dataset.amount;
    })
  );

  function method() {
    const checked = form.querySelector("input[name=method]:checked");
    return checked ? checked.value : "";
  }

  function done() {
    statusBox.textContent = msg("done", "Added to your wallet.");
    window.location.href = form.dataset.next || window.location.pathname;
  }

  async function waitForBalance(before) {
    // The webhook credits the wallet; poll the wallet API briefly until the balance moves.
    for (let i = 0; i < 20; i += 1) {
      const result = await shop.api("GET", "/api/v1/wallet/");
      if (result.ok && result.data.balance.amount !== before) return done();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    done();
  }

  function showTestPay(payment, before) {
    const panel = document.getElementById("test-pay");
    panel.hidden = false;
    document.getElementById("test-pay-amount").textContent = payment.amount.formatted;
    async function confirm(outcome) {
      const result = await shop.api("POST", payment.confirm_url, { outcome: outcome });
      panel.hidden = true;
      key = null;
      if (!result.ok) return (errorBox.textContent = shop.errorMessage(result, msg("failed", "Try again.")));
      if (outcome === "decline") {
        submit.disabled = false;
        return (errorBox.textContent = msg("declined", "The payment was declined."));
      }
      statusBox.textContent = msg("waiting", "Waiting for the payment…");
      waitForBalance(before);
    }
    document.getElementById("test-approve").onclick = () => confirm("succeed");
    document.getElementById("test-decline").onclick = () => confirm("decline");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.textContent = "";
    const amount = Number(amountInput.value);
    const chosen = method();
    const request = `${amount}:${chosen}`;
    if (!key || keyFor !== request) {
      key = shop.newKey();
      keyFor = request;
    }
    const before = Number(document.getElementById("wallet-balance").dataset.amount);
    submit.disabled = true;
    const result = await shop.api("POST", form.dataset.api, { amount: amount, method: chosen }, { "Idempotency-Key": key });
    if (!result.ok) {
      submit.disabled = false;
      errorBox.textContent = shop.errorMessage(result, msg("failed", "Try again."));
      return;
    }
    const payment = result.data;
    if (payment.method === "test" && payment.confirm_url) return showTestPay(payment, before);
    if (payment.method === "card" && payment.client_secret && stripe) {
      const outcome = await stripe.confirmCardPayment(payment.client_secret, { payment_method: { card: cardElement } });
      key = null;
      if (outcome.error) {
        submit.disabled = false;
        errorBox.textContent = outcome.error.message || msg("declined", "The payment was declined.");
        return;
      }
      statusBox.textContent = msg("waiting", "Waiting for the payment…");
      return waitForBalance(before);
    }
    waitForBalance(before);
  });
})();
