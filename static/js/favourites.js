/* Favourite hearts (product page, search, /favourites/): every [data-favourite-sku] button.
 * The HTML is the same for everyone (the product body can be cached for all); for a member
 * (session.js says who is looking) GET /api/v1/favourites/state/?skus=… tells which of them are
 * hearted and the hearts are filled in.
 * A tap PUTs or DELETEs /api/v1/favourites/<sku>/; logged out, it goes to the log-in page.
 * On the favourites store picker, changing the store reloads with ?store=. Needs cart.js. */
(function () {
  "use strict";
  const shop = window.OmoShop;
  const buttons = Array.from(document.querySelectorAll("[data-favourite-sku]"));
  const picker = document.getElementById("favourites-store-select");
  if (picker) picker.addEventListener("change", () => picker.form.submit());
  if (!buttons.length || !shop) return;

  function show(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "♥" : "♡";
    button.hidden = false;
  }

  // Who is looking: known at once on most pages, after GET /api/v1/me/ on the cached scan page.
  const session = window.OmoSession || Promise.resolve(document.body.dataset.session);

  buttons.forEach((button) => {
    if (button.getAttribute("aria-pressed") !== "true") show(button, false);
    button.addEventListener("click", async () => {
      // A tap before the session is known waits for it, rather than sending a member to log in.
      const state = await session;
      if (!(state === "user" || state === "member")) {
        window.location.href = "/login/?next=" + encodeURIComponent(window.location.pathname + window.location.search);
        return;
      }
      buttons
        .filter((other) => other.dataset.favouriteSku === button.dataset.favouriteSku)
        .forEach((other) => (other.dataset.tapped = "true"));
      const on = button.getAttribute("aria-pressed") !== "true";
      const url = "/api/v1/favourites/" + encodeURIComponent(button.dataset.favouriteSku) + "/";
      button.disabled = true;
      const result = await shop.api(on ? "PUT" : "DELETE", url);
      button.disabled = false;
      if (result.ok) {
        document.querySelectorAll(`[data-favourite-sku="${CSS.escape(button.dataset.favouriteSku)}"]`).forEach((b) => show(b, on));
      }
    });
  });

  session.then((state) => {
    if (state === "user" || state === "member") fillHearts();
  });

  function fillHearts() {
    const skus = Array.from(new Set(buttons.map((b) => b.dataset.favouriteSku))).slice(0, 100);
    shop.api("GET", "/api/v1/favourites/state/?skus=" + encodeURIComponent(skus.join(","))).then((result) => {
      if (!result.ok) return;
      const hearted = new Set(result.data.favourites);
      // A heart tapped meanwhile already shows the member's latest choice: an answer read before
      // that tap must not undo it.
      buttons
        .filter((button) => !button.dataset.tapped)
        .forEach((button) => show(button, hearted.has(button.dataset.favouriteSku)));
    });
  }
})();
