/* Points at checkout: GET /api/v1/points/ tells the balance; the shopper chooses how many to use
 * (at most the balance and all but ¥1 of the total: a payment is never of nothing). The Pay
 * button shows what is left to pay. checkout.js sends the number; the server checks it again
 * and refuses more than the balance (two phones at once included). Needs cart.js. */
(function () {
  "use strict";
  const box = document.getElementById("points-use");
  if (!box || !window.OmoShop) return;
  const input = document.getElementById("use-points");
  const payButton = document.getElementById("place-order");
  const total = Number(box.dataset.total);
  const format = new Intl.NumberFormat(document.documentElement.lang || "en", {
    style: "currency",
    currency: box.dataset.currency || "JPY",
  });
  let most = 0;

  function update() {
    let points = Math.floor(Number(input.value) || 0);
    points = Math.max(0, Math.min(points, most));
    if (String(points) !== input.value) input.value = String(points);
    if (payButton) payButton.textContent = box.dataset.msgPay.replace("%(total)s", format.format(total - points));
    walletCovers(total - points);
  }

  // The wallet is offered once it covers what is left to pay (never chosen for the shopper).
  const wallet = document.getElementById("pay-wallet");
  const walletBalance = document.getElementById("wallet-balance");
  const short = document.getElementById("wallet-short");
  function walletCovers(due) {
    if (!wallet || !walletBalance || !short) return;
    const enough = Number(walletBalance.dataset.amount) >= due;
    wallet.disabled = !enough;
    if (!enough && wallet.checked) wallet.checked = false;
    short.hidden = enough;
    wallet.closest(".choice").classList.toggle("short", !enough);
  }

  window.OmoShop.api("GET", box.dataset.api).then((result) => {
    if (!result.ok || !result.data.balance) return;
    most = Math.max(0, Math.min(result.data.balance, total - 1));
    if (!most) return;
    input.max = String(most);
    document.getElementById("points-available").textContent = box.dataset.msgAvailable
      .replace("%(points)s", result.data.balance)
      .replace("%(most)s", most);
    box.hidden = false;
  });
  input.addEventListener("input", update);
  document.getElementById("use-all-points").addEventListener("click", () => {
    input.value = String(most);
    update();
  });
  walletCovers(total);
})();
