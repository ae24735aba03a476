/* Who is looking, for the parts of a page that depend on it.
 *
 * Most pages say it in <body data-session="anonymous|user"> (without a query: "user" may be a
 * member). The scan page is the same
 * for everyone (cached; data-session="unknown"): there, one GET /api/v1/me/ tells, then every
 * [data-when] element is shown or hidden (`user`: anyone logged in; `member`; `nonmember`: logged
 * in without a member profile; `anonymous`). A form marked [data-csrf-from-cookie] gets the CSRF
 * token from the cookie when it is sent (the cached page carries none).
 * window.OmoSession is a promise of "anonymous" | "user" | "member". Needs nothing else.
 */
(function () {
  "use strict";
  const body = document.body;

  function apply(state) {
    body.dataset.session = state;
    const loggedIn = state === "user" || state === "member";
    document.querySelectorAll("[data-when]").forEach((element) => {
      const when = element.dataset.when;
      element.hidden = !(
        (when === "user" && loggedIn) ||
        (when === "member" && state === "member") ||
        (when === "nonmember" && state === "user") ||
        (when === "anonymous" && !loggedIn)
      );
    });
    return state;
  }

  async function ask() {
    try {
      const response = await fetch("/api/v1/me/", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return apply("anonymous");
      const me = await response.json();
      return apply(me.member_code ? "member" : "user");
    } catch (error) {
      return apply("anonymous");
    }
  }

  window.OmoSession = body.dataset.session === "unknown" ? ask() : Promise.resolve(body.dataset.session);

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-csrf-from-cookie")) return;
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    let input = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrfmiddlewaretoken";
      form.append(input);
    }
    input.value = match ? decodeURIComponent(match[1]) : "";
  });
})();
