/* The service worker (static/js/sw.js) keeps the last product pages in the "recent-products"
   cache; list them here, newest first, with the name read from each stored page. */
(function () {
  document.getElementById("offline-retry").addEventListener("click", () => location.reload());
  window.addEventListener("online", () => location.reload());
  if (!("caches" in window)) return;
  caches.open("recent-products").then(async (cache) => {
    const requests = (await cache.keys()).reverse();
    const list = document.getElementById("recent-products");
    for (const request of requests) {
      const response = await cache.match(request, { ignoreVary: true });
      if (!response) continue;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const name = page.getElementById("product-name");
      const price = page.querySelector("#price strong");
      const item = document.createElement("li");
      item.className = "card";
      const link = document.createElement("a");
      const url = new URL(request.url);
      link.href = url.pathname + url.search;
      link.textContent = name ? name.textContent.trim() : url.pathname;
      item.append(link);
      if (price) item.append(" · ", price.textContent.trim());
      list.append(item);
    }
    document.getElementById("recent").hidden = !list.children.length;
  }).catch(() => {});
})();
