// Continuum's service worker. It keeps the static shell (never personal data) and, for a signed-in
// client, copies of the client pages they have opened, in a cache named for that user only. Pages
// of one user are never served to another: the page tells the worker whose session is current,
// and sign-out drops that user's copies.
"use strict";
const VERSION = {{ version | tojson }};
const SHELL_CACHE = "continuum-shell-" + VERSION;
const PAGES_PREFIX = "continuum-pages-";
const PRECACHE = {{ precache | tojson }};
const OFFLINE_URL = {{ url_for('pwa.offline') | tojson }};

importScripts({{ url_for('static', filename='js/outbox.js') | tojson }});

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { credentials: "omit" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("continuum-shell-") && k !== SHELL_CACHE)
          .map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Any version of a shell file will do offline: a page copied before a release names the
    // old version, and the shell cache holds only the new one.
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).catch(
        () => caches.match(request, { ignoreSearch: true }).then((old) => old || Response.error())
      ))
    );
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  }
});

async function navigate(request) {
  try {
    const response = await fetch(request);
    const owner = response.headers.get("X-Continuum-Offline");
    // The server marks client pages with whose session served them; keep a copy under that
    // user only, and drop any other user's copies (a shared phone).
    if (response.ok && owner && !response.redirected) {
      if ((await ContinuumOutbox.currentUser()) !== owner) {
        await ContinuumOutbox.setCurrentUser(owner);
        await dropPagesExcept(owner);
      }
      const cache = await caches.open(PAGES_PREFIX + owner);
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (error) {
    const current = await ContinuumOutbox.currentUser();
    if (current) {
      const cache = await caches.open(PAGES_PREFIX + current);
      const copy = await cache.match(request.url);
      if (copy) return copy;
    }
    return (await caches.match(OFFLINE_URL)) || Response.error();
  }
}

async function dropPagesExcept(owner) {
  const keys = await caches.keys();
  await Promise.all(
    keys.filter((k) => k.startsWith(PAGES_PREFIX) && k !== PAGES_PREFIX + owner)
      .map((k) => caches.delete(k))
  );
}

self.addEventListener("sync", (event) => {
  if (event.tag === "continuum-outbox") event.waitUntil(ContinuumOutbox.flush());
});

// Reminders: show the push (its text carries no clinical detail) and open its page on a tap.
self.addEventListener("push", (event) => {
  let message = {title: "Continuum", body: "You have a reminder.", url: "/today"};
  try { message = Object.assign(message, event.data ? event.data.json() : {}); } catch (e) {}
  event.waitUntil(self.registration.showNotification(message.title, {
    body: message.body,
    icon: "/static/icons/icon-192.png",
    badge: "/static/icons/icon-192.png",
    data: {url: message.url},
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/today",
    self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    const windows = await clients.matchAll({type: "window", includeUncontrolled: true});
    for (const client of windows) {
      if (!("navigate" in client)) continue;
      const shown = await client.navigate(target.href);
      // Focus can be refused (no user gesture reached us); the page is open either way.
      await (shown || client).focus().catch(() => {});
      return;
    }
    await clients.openWindow(target.href);
  })());
});
