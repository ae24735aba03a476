/* Near me (/nearby/): only when the shopper taps the button, ask the browser for the location
 * once, send it to GET /api/v1/nearby/ and show the nearest store and the member's favourites
 * reduced there. Nothing runs in the background. Needs cart.js (window.OmoShop). */
(function () {
  "use strict";
  const box = document.getElementById("nearby");
  if (!box || !window.OmoShop) return;
  const shop = window.OmoShop;
  const statusBox = document.getElementById("nearby-status");
  const button = document.getElementById("nearby-locate");
  const say = (text) => (statusBox.textContent = text);

  function distance(m) {
    return m < 1000 ? `${m} m` : `${(m / 1000).toFixed(1)} km`;
  }

  function productUrl(store, sku) {
    return box.dataset.productUrl.replace("STORE", encodeURIComponent(store)).replace("SKU", encodeURIComponent(sku));
  }

  function show(data) {
    say("");
    if (!data.store) return;
    const lang = (document.documentElement.lang || "en").slice(0, 2);
    document.getElementById("nearby-store").hidden = false;
    document.getElementById("nearby-store-name").textContent = lang === "ja" && data.store.name_ja ? data.store.name_ja : data.store.name;
    document.getElementById("nearby-store-info").textContent =
      box.dataset.msgDistance.replace("%(distance)s", distance(data.store.distance_m)) + " · " + data.store.address;
    document.getElementById("nearby-store-search").href = "/search/?store=" + encodeURIComponent(data.store.code);
    const deals = document.getElementById("nearby-deals");
    if (!deals) return;
    deals.hidden = false;
    const list = document.getElementById("nearby-deal-list");
    list.textContent = "";
    data.favourites_on_offer.forEach((item) => {
      const li = document.createElement("li");
      li.className = "card";
      const link = document.createElement("a");
      link.href = productUrl(data.store.code, item.sku);
      link.textContent = lang === "ja" ? item.name_ja || item.name_en : item.name_en;
      const price = document.createElement("p");
      const now = document.createElement("strong");
      now.textContent = item.price.formatted;
      const was = document.createElement("s");
      was.className = "was";
      was.textContent = item.regular_price.formatted;
      price.append(now, " ", was);
      li.append(link, price);
      list.append(li);
    });
    const note = document.createElement("li");
    note.className = "muted small";
    note.textContent = data.favourites_on_offer.length
      ? box.dataset.msgInStock.replace("%(n)s", data.favourites_in_stock)
      : box.dataset.msgNoDeals;
    list.append(note);
  }

  button.addEventListener("click", () => {
    if (!("geolocation" in navigator)) return say(box.dataset.msgUnsupported);
    say(box.dataset.msgLocating);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      async (position) => {
        const query = `?latitude=${position.coords.latitude.toFixed(5)}&longitude=${position.coords.longitude.toFixed(5)}`;
        const result = await shop.api("GET", box.dataset.api + query);
        button.disabled = false;
        if (!result.ok) return say(shop.errorMessage(result, box.dataset.msgFailed));
        show(result.data);
      },
      () => {
        button.disabled = false;
        say(box.dataset.msgDenied);
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 }
    );
  });
})();
