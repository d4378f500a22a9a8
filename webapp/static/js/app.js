// Continuum's page script: installs the service worker, keeps entries made without signal in the
// outbox and syncs them, shows what is waiting, asks before signing out with unsynced entries,
// and makes the body map tappable. Every form still works without it.
(function () {
  "use strict";
  var outbox = self.ContinuumOutbox;
  var meta = document.querySelector('meta[name="continuum-user"]');
  var user = meta ? meta.content : null;
  var offlineCopy = document.querySelector('meta[name="continuum-offline-page"]') !== null;
  var PAGES = "continuum-pages-";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  function dropPages(keep) {
    if (!("caches" in self)) return Promise.resolve();
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf(PAGES) === 0 && k !== keep;
      }).map(function (k) { return caches.delete(k); }));
    });
  }

  // Tell the worker whose session this is; a page of nobody's (signed out) drops every copy.
  var ready = Promise.resolve();
  if (outbox && user) {
    ready = outbox.setCurrentUser(user).then(function () { return dropPages(PAGES + user); });
  } else if (outbox && !offlineCopy) {
    ready = outbox.setCurrentUser(null).then(function () { return dropPages(null); });
  }

  var bar = document.getElementById("sync-status");
  var countText = document.getElementById("sync-count");
  var message = document.getElementById("sync-message");

  function say(text) {
    if (message) { message.textContent = text; message.hidden = !text; }
  }

  function refresh() {
    if (!outbox || !user || !bar) return Promise.resolve([]);
    return outbox.pending(user).then(function (rows) {
      bar.hidden = rows.length === 0 && (!message || message.hidden);
      countText.textContent = rows.length === 1 ? "1 entry waiting to sync" : rows.length + " entries waiting to sync";
      countText.hidden = rows.length === 0;
      markPendingExercises(rows);
      return rows;
    });
  }

  function markPendingExercises(rows) {
    rows.forEach(function (row) {
      if (row.kind !== "exercise") return;
      var card = document.getElementById("rx-" + row.payload.prescription_id);
      if (!card || card.classList.contains("pending")) return;
      card.classList.add("pending");
      var status = card.querySelector(".exercise-status");
      if (status) status.textContent = "Done · waiting to sync";
      var form = card.querySelector("form[data-offline]");
      if (form) form.hidden = true;
    });
  }

  function sync() {
    if (!outbox || !user) return Promise.resolve(null);
    return outbox.flush().then(function (result) {
      if (result.rejected.length) {
        say(result.rejected.length + " entry could not be saved: " + result.rejected[0].error);
      } else if (result.signedOut) {
        say("Sign in again to send what is waiting; nothing is lost.");
      } else if (result.sent) {
        say("");
      }
      return refresh().then(function () { return result; });
    }).catch(function () { return refresh().then(function () { return null; }); });
  }

  function backgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("continuum-outbox");
    }).catch(function () {});
  }

  ready.then(refresh).then(sync);
  self.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sync();
  });
  var syncButton = document.getElementById("sync-now");
  if (syncButton) syncButton.addEventListener("click", sync);

  // --- Entries made on this device --------------------------------------------------------

  function payloadFor(form, kind, submitter) {
    var payload = {
      id: form.querySelector('[name="client_entry_id"]').value,
      type: kind,
      recorded_at: new Date().toISOString(),
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone
    };
    if (kind === "exercise") {
      payload.prescription_id = Number(form.dataset.prescription);
    } else if (kind === "quick") {
      payload.data = { pain_now: Number(submitter && submitter.value) };
    } else {
      var data = new FormData(form);
      payload.data = {
        pain_now: data.get("pain_now"),
        pain_worst: data.get("pain_worst"),
        sleep: data.get("sleep"),
        stress: data.get("stress"),
        flare: data.get("flare"),
        areas: data.getAll("areas"),
        notes: data.get("notes") || ""
      };
    }
    return payload;
  }

  function queue(form, kind, submitter) {
    var payload = payloadFor(form, kind, submitter);
    var label = form.dataset.label || kind;
    return outbox.add({ id: payload.id, user: user, kind: kind, label: label, payload: payload })
      .then(function () {
        backgroundSync();
        afterQueue(form, kind, payload);
        return refresh();
      })
      .then(function () { return navigator.onLine ? sync() : null; })
      .then(function (result) { afterSync(form, kind, result); });
  }

  function afterQueue(form, kind, payload) {
    var status = document.getElementById(form.dataset.status || "");
    if (kind === "quick" && status) {
      status.textContent = "Pain " + payload.data.pain_now + " out of 10 logged.";
      status.hidden = false;
      var fresh = form.querySelector('[name="client_entry_id"]');
      if (fresh && self.crypto && crypto.randomUUID) fresh.value = crypto.randomUUID();
    } else if (kind === "checkin" && status) {
      status.textContent = "Saved on this phone. It will be sent when you're back online.";
      status.hidden = false;
    }
  }

  function afterSync(form, kind, result) {
    var synced = result && !result.rejected.length && !result.signedOut;
    if (synced && form.dataset.next) {
      self.location.assign(form.dataset.next);
    } else if (!navigator.onLine && kind === "exercise" && form.dataset.next) {
      self.location.assign(form.dataset.next);
    }
  }

  // Queue forms marked data-offline. Exercise ticks go to the server while online and fall back
  // to the outbox when there is no signal or the request can't be sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset && form.dataset.offline;
    if (!kind || !user || !outbox) return;
    // Online, an exercise tick goes to the server as usual (htmx or a plain post).
    if (kind === "exercise" && navigator.onLine) return;
    event.preventDefault();
    event.stopPropagation();
    queue(form, kind, event.submitter);
  }, true);

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-offline]");
    if (form && user && outbox) queue(form, form.dataset.offline);
  });

  // --- Signing out ----------------------------------------------------------------------------

  var dialog = document.getElementById("signout-dialog");
  // The header's "Sign out" and Security's "Sign out everywhere": whichever was pressed.
  var signOutForms = document.querySelectorAll("form[data-signout]");
  var signOutForm = null;

  function finishSignOut(discard) {
    var steps = discard
      ? outbox.pending(user).then(function (rows) {
          return outbox.remove(rows.map(function (row) { return row.id; }));
        })
      : Promise.resolve();
    steps.then(function () { return dropPages(null); })
      .then(function () { return outbox.setCurrentUser(null); })
      .catch(function () {})
      .then(function () { signOutForm.submit(); });
  }

  if (signOutForms.length && outbox && user) {
    signOutForms.forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        signOutForm = form;
        outbox.pending(user).then(function (rows) {
          if (!rows.length || !dialog || !dialog.showModal) return finishSignOut(false);
          document.getElementById("signout-count").textContent = String(rows.length);
          dialog.showModal();
        });
      });
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "keep") finishSignOut(false);
      else if (dialog.returnValue === "discard") finishSignOut(true);
      else if (dialog.returnValue === "sync") sync();
    });
  }

  // --- Reminders on this phone (Web Push) ---------------------------------------------------------

  var pushBox = document.getElementById("push-on-this-phone");
  function keyBytes(base64url) {
    var text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - base64url.length % 4) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); });
  }
  function tellServer(url, body) {
    return fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": pushBox.getAttribute("data-csrf")},
      body: JSON.stringify(body),
    }).then(function (r) { if (!r.ok) throw new Error("refused"); });
  }
  function showPush(state) {
    pushBox.querySelectorAll("[data-push-state]").forEach(function (el) {
      el.hidden = el.getAttribute("data-push-state") !== state;
    });
  }
  if (pushBox && "serviceWorker" in navigator && "PushManager" in window) {
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.pushManager.getSubscription().then(function (sub) {
        showPush(sub ? "on" : (Notification.permission === "denied" ? "blocked" : "off"));
        pushBox.querySelector("[data-push-on]").addEventListener("click", function () {
          Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") return showPush("blocked");
            return reg.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(pushBox.getAttribute("data-key")),
            }).then(function (made) {
              return tellServer(pushBox.getAttribute("data-subscribe"), made.toJSON());
            }).then(function () { showPush("on"); });
          }).catch(function () { showPush("failed"); });
        });
        pushBox.querySelector("[data-push-off]").addEventListener("click", function () {
          reg.pushManager.getSubscription().then(function (current) {
            if (!current) return showPush("off");
            return tellServer(pushBox.getAttribute("data-unsubscribe"), {endpoint: current.endpoint})
              .then(function () { return current.unsubscribe(); })
              .then(function () { showPush("off"); });
          }).catch(function () { showPush("failed"); });
        });
      });
    });
  } else if (pushBox) {
    showPush("unsupported");
  }

  // --- The body map -----------------------------------------------------------------------------

  function paint(box) {
    document.querySelectorAll('[data-region="' + box.value + '"]').forEach(function (shape) {
      shape.classList.toggle("selected", box.checked);
    });
  }
  document.querySelectorAll('input[name="areas"]').forEach(function (box) {
    paint(box);
    box.addEventListener("change", function () { paint(box); });
  });
  document.querySelectorAll("[data-region]").forEach(function (shape) {
    shape.addEventListener("click", function () {
      var box = document.getElementById("area-" + shape.getAttribute("data-region"));
      if (box) { box.checked = !box.checked; paint(box); }
    });
  });
})();
