/* The cart in the browser: "Add to cart" controls (product page, search results, recipes), the
 * cart page (/cart/), the cart count in the top bar, and `window.OmoShop`, the small JSON API
 * helper that checkout.js, order.js and exit.js use too.
 *
 * Loaded on every page by base.html (after <main>, before the page's own scripts). Every
 * change goes through the JSON API; prices and totals shown after a change are the server's.
 * The shopper reads the API's own error messages ({"error": {"code", "message"}}); anything
 * else they read comes from data-msg-* attributes that the templates fill with translated text.
 */
(function () {
  "use strict";

  const COUNT_KEY = "omo.cart"; // {store, count}: the top bar's count, no query per page

  // --- The API helper --------------------------------------------------------------------------

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** fetch() for our JSON API: resolves to {ok, status, data}; a network failure gives status 0. */
  async function api(method, url, body, headers) {
    const init = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/json" }, headers || {}),
    };
    if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
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
    try {
      data = await response.json();
    } catch (error) {
      data = null; // an HTML error page from a proxy, or an empty body
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  /** The API's message for the shopper, or the page's translated fallback. */
  function errorMessage(result, fallback) {
    const error = result && result.data && result.data.error;
    return (error && error.message) || fallback;
  }

  /** A translated message from the closest element carrying data-msg-<name>. */
  function msg(element, name, fallback) {
    const attribute = "data-msg-" + name;
    const holder = element && element.closest("[" + attribute + "]");
    return (holder && holder.getAttribute(attribute)) || fallback;
  }

  /** A product name from the API's {en, ja} in the page's language. */
  function localName(name) {
    if (!name || typeof name === "string") return name || "";
    const lang = (document.documentElement.lang || "en").slice(0, 2);
    return name[lang] || name.en || "";
  }

  /** A UUID for Idempotency-Key; crypto.randomUUID exists only on HTTPS pages and localhost. */
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // --- The count in the top bar ----------------------------------------------------------------

  function showCount(count) {
    const badge = document.getElementById("cart-count");
    if (!badge) return;
    badge.textContent = count > 0 ? String(count) : "";
    badge.hidden = !(count > 0);
  }

  function rememberCount(store, count) {
    try {
      localStorage.setItem(COUNT_KEY, JSON.stringify({ store: store, count: count }));
    } catch (error) {
      // Storage disabled: the count shows on this page only.
    }
    showCount(count);
  }

  function savedCount() {
    try {
      const saved = JSON.parse(localStorage.getItem(COUNT_KEY) || "null");
      return saved && typeof saved.count === "number" ? saved.count : 0;
    } catch (error) {
      return 0;
    }
  }

  window.OmoShop = {
    api: api,
    errorMessage: errorMessage,
    msg: msg,
    localName: localName,
    newKey: newKey,
    rememberCount: rememberCount,
  };

  showCount(savedCount());
  // Logging out or in changes whose cart this is: the cart page sets the count again.
  document.querySelectorAll("form[action$='/logout/']").forEach((form) =>
    form.addEventListener("submit", () => rememberCount("", 0)),
  );

  // --- Steppers (product page, cart page) ------------------------------------------------------
  // The − and + buttons step within the product's limits (on the cart page, − below the least
  // removes the line). A typed quantity is never rounded or clamped here: it goes to the server
  // as typed, and the server refuses 0, 2.5 or 7 g with the limits in its message.

  function limits(input) {
    return {
      min: Number(input.min) || 1,
      max: Number(input.max) || 99,
      step: Number(input.step) || 1,
    };
  }

  function typed(input) {
    const text = input.value.trim();
    return text === "" ? null : Number(text);
  }

  function wireStepper(stepper, onChange, options) {
    const input = stepper.querySelector("input[type=number]");
    const belowMinRemoves = Boolean(options && options.belowMinRemoves);
    stepper.querySelectorAll("[data-step]").forEach((button) =>
      button.addEventListener("click", () => {
        const { min, max, step } = limits(input);
        const current = typed(input);
        const base = Number.isInteger(current) ? current : min;
        let next = base + Number(button.dataset.step) * step;
        if (next < min) next = belowMinRemoves ? 0 : min;
        if (next > max) next = max;
        if (next !== current) {
          input.value = String(next);
          if (onChange) onChange(next);
        }
      }),
    );
    input.addEventListener("change", () => {
      if (onChange) onChange(typed(input));
    });
    return input;
  }

  // --- "Add to cart" and "Add all ingredients" -------------------------------------------------

  function cartLink(element, store, count) {
    const base = element.closest("[data-cart-url]");
    const href = ((base && base.dataset.cartUrl) || "/cart/") + "?store=" + encodeURIComponent(store);
    const link = document.createElement("a");
    link.href = href;
    link.className = "view-cart";
    link.textContent = msg(element, "view-cart", "View cart") + (count ? ` (${count})` : "");
    return link;
  }

  function report(output, text, state, link) {
    if (!output) return;
    output.textContent = text;
    output.dataset.state = state;
    if (link) {
      output.append(" ");
      output.append(link);
    }
  }

  async function addToCart(form) {
    const button = form.querySelector("button[type=submit]");
    const output = form.querySelector(".add-result");
    const input = form.querySelector("[name=quantity]");
    const store = form.dataset.store;
    button.disabled = true;
    report(output, msg(form, "adding", "Adding…"), "busy");
    const result = await api("POST", form.dataset.api || "/api/v1/cart/lines/", {
      store: store,
      sku: form.dataset.sku,
      quantity: typed(input),
    });
    button.disabled = false;
    if (result.ok) {
      rememberCount(store, result.data.item_count);
      report(output, msg(form, "added", "Added to your cart."), "ok", cartLink(form, store, result.data.item_count));
      document.body.dataset.cartCount = String(result.data.item_count);
    } else {
      report(output, errorMessage(result, msg(form, "failed", "Could not reach the store. Try again.")), "error");
    }
  }

  document.querySelectorAll("form.add-to-cart").forEach((form) => {
    // The browser's own check would silently block 2.5 (or 7 g) with a bubble; the server's
    // answer says the limits in the shopper's language instead.
    form.noValidate = true;
    const stepper = form.querySelector(".stepper");
    if (stepper) wireStepper(stepper);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      addToCart(form);
    });
  });

  document.querySelectorAll("button.add-recipe").forEach((button) =>
    button.addEventListener("click", async () => {
      const output = button.parentElement.querySelector(".add-result");
      const store = button.dataset.store;
      button.disabled = true;
      report(output, msg(button, "adding", "Adding…"), "busy");
      const result = await api("POST", button.dataset.api, { store: store });
      button.disabled = false;
      if (result.ok) {
        rememberCount(store, result.data.item_count);
        report(output, msg(button, "added-recipe", "The ingredients sold here are in your cart."), "ok", cartLink(button, store, result.data.item_count));
      } else {
        report(output, errorMessage(result, msg(button, "failed", "Could not reach the store. Try again.")), "error");
      }
    }),
  );

  // --- The cart page ---------------------------------------------------------------------------

  const cart = document.getElementById("cart");
  if (!cart) return;

  const store = cart.dataset.store;
  const message = document.getElementById("cart-message");
  rememberCount(store, Number(cart.dataset.count) || 0);

  document.querySelectorAll("select[data-autosubmit]").forEach((select) =>
    select.addEventListener("change", () => select.form.submit()),
  );

  function say(text, state) {
    message.textContent = text;
    message.dataset.state = state || "info";
  }

  function warningFor(line) {
    if (!line.enough_stock) return line.stock_state === "out" ? "out" : "short";
    return line.stock_state === "low" ? "low" : "";
  }

  /** The server's cart after a change: prices, totals, warnings and quantities as it says. */
  function render(data) {
    const seen = new Set();
    for (const line of data.lines) {
      seen.add(String(line.id));
      const item = document.getElementById("line-" + line.id);
      if (!item) continue;
      item.dataset.quantity = String(line.quantity);
      item.querySelector(".qty-input").value = String(line.quantity);
      item.querySelector(".line-total").textContent = line.line_total.formatted;
      item.querySelector(".unit-price").textContent = line.unit_price.formatted;
      const regular = item.querySelector(".regular");
      regular.textContent = line.regular_price ? line.regular_price.formatted : "";
      regular.hidden = !line.regular_price;
      const warning = item.querySelector(".line-warning");
      const state = warningFor(line);
      warning.dataset.state = state;
      const left = line.sold_by === "weight" ? `${line.available} g` : String(line.available);
      warning.textContent = state ? msg(cart, state, "").replace("%(available)s", left) : "";
    }
    document.querySelectorAll(".cart-line").forEach((item) => {
      if (!seen.has(item.dataset.lineId)) item.remove();
    });
    document.getElementById("cart-total").textContent = data.total.formatted;
    document.getElementById("cart-empty").hidden = data.lines.length > 0;
    document.getElementById("cart-summary").hidden = data.lines.length === 0;
    cart.dataset.count = String(data.item_count);
    rememberCount(store, data.item_count);
  }

  const pending = new Map(); // line id -> timer: a burst of "+" taps is one request

  async function setQuantity(item, quantity) {
    const id = item.dataset.lineId;
    item.classList.add("busy");
    const result = await api("PATCH", `/api/v1/cart/lines/${id}/`, { quantity: quantity });
    item.classList.remove("busy");
    if (result.ok) {
      const removed = !result.data.lines.some((line) => String(line.id) === id);
      render(result.data);
      say(removed ? msg(cart, "removed", "Removed from your cart.") : msg(cart, "updated", "Quantity updated."), "ok");
    } else {
      item.querySelector(".qty-input").value = item.dataset.quantity; // back to what the server has
      say(errorMessage(result, msg(cart, "failed", "Could not reach the store. Try again.")), "error");
      if (result.status === 404) location.reload();
    }
  }

  async function removeLine(item) {
    item.classList.add("busy");
    const result = await api("DELETE", `/api/v1/cart/lines/${item.dataset.lineId}/`);
    item.classList.remove("busy");
    if (result.ok) {
      item.remove();
      render(result.data);
      say(msg(cart, "removed", "Removed from your cart."), "ok");
    } else if (result.status === 404) {
      location.reload();
    } else {
      say(errorMessage(result, msg(cart, "failed", "Could not reach the store. Try again.")), "error");
    }
  }

  document.querySelectorAll(".cart-line").forEach((item) => {
    wireStepper(
      item.querySelector(".stepper"),
      (quantity) => {
        clearTimeout(pending.get(item.dataset.lineId));
        pending.set(item.dataset.lineId, setTimeout(() => setQuantity(item, quantity), 400));
      },
      { belowMinRemoves: true },
    );
    item.querySelector(".line-remove").addEventListener("click", () => removeLine(item));
  });
})();
