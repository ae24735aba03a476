/* Web Push on /account/notifications/: subscribe this browser with the server's VAPID key
 * (GET /api/v1/push/key/) and POST the subscription; or unsubscribe and DELETE it. Browsers that
 * cannot (iOS Safari outside an installed Home Screen app, iOS < 16.4) get the page's honest
 * explanation instead of a button. Needs cart.js (window.OmoShop) and the service worker. */
(function () {
  "use strict";
  const box = document.getElementById("push-device");
  if (!box || !window.OmoShop) return;
  const shop = window.OmoShop;
  const statusBox = document.getElementById("push-status");
  const onButton = document.getElementById("push-on");
  const offButton = document.getElementById("push-off");
  const say = (name) => (statusBox.textContent = box.dataset["msg" + name[0].toUpperCase() + name.slice(1)]);

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function registration() {
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
  }

  async function show() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("unsupported");
      return;
    }
    if (Notification.permission === "denied") {
      say("denied");
      return;
    }
    const current = await (await registration()).pushManager.getSubscription();
    say(current ? "on" : "off");
    onButton.hidden = Boolean(current);
    offButton.hidden = !current;
  }

  onButton.addEventListener("click", async () => {
    onButton.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say(permission === "denied" ? "denied" : "off");
        return;
      }
      const key = await shop.api("GET", box.dataset.keyApi);
      if (!key.ok || !key.data.public_key) throw new Error("no key");
      const reg = await registration();
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key.data.public_key),
      });
      const saved = await shop.api("POST", box.dataset.api, subscription.toJSON());
      if (!saved.ok) {
        await subscription.unsubscribe();
        statusBox.textContent = shop.errorMessage(saved, box.dataset.msgFailed);
        return;
      }
      await show();
    } catch (error) {
      say("failed");
    } finally {
      onButton.disabled = false;
    }
  });

  offButton.addEventListener("click", async () => {
    const subscription = await (await registration()).pushManager.getSubscription();
    if (subscription) {
      await shop.api("DELETE", box.dataset.api, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    await show();
  });

  show();
})();
