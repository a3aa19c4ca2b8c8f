// AgentLocator service worker: shows Web Push notifications sent by notify-svc and opens the
// app where a click should lead.
//
// Push payload (JSON): {title, body, url, event, data}. A payload that is missing or not JSON
// still shows a notification with the default title.

const DEFAULT_TITLE = "התראה";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let payload = {};
  if (event.data) {
    try {
      payload = event.data.json() || {};
    } catch (_) {
      payload = { body: event.data.text() };
    }
  }
  const title = typeof payload.title === "string" && payload.title ? payload.title : DEFAULT_TITLE;
  const url = typeof payload.url === "string" && payload.url ? payload.url : "/";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof payload.body === "string" ? payload.body : "",
      dir: "rtl",
      lang: "he",
      data: { url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // A tab already on the target page, else any tab of the app (navigated there), else a new one.
      const exact = windows.find((c) => new URL(c.url).href === target.href);
      if (exact) return exact.focus();
      const any = windows.find((c) => new URL(c.url).origin === target.origin);
      if (any) {
        await any.focus();
        return any.navigate ? any.navigate(target.href) : undefined;
      }
      return self.clients.openWindow(target.href);
    })(),
  );
});
