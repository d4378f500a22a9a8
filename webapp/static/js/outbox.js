// The offline outbox: entries made on this device wait in IndexedDB until the server has them.
// Shared by the pages and the service worker (importScripts), so both flush the same way.
(function (scope) {
  "use strict";
  var DB_NAME = "continuum";
  var SYNC_URL = "/api/sync";
  var BATCH = 50;
  var flushing = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = action(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function getMeta(key) {
    return run("meta", "readonly", function (s) { return s.get(key); })
      .then(function (row) { return row ? row.value : null; });
  }
  function setMeta(key, value) {
    return run("meta", "readwrite", function (s) {
      return value === null ? s.delete(key) : s.put({ key: key, value: value });
    });
  }

  function all() {
    return run("outbox", "readonly", function (s) { return s.getAll(); });
  }

  function pending(user) {
    return all().then(function (rows) {
      return rows.filter(function (row) { return row.user === user; });
    });
  }

  function add(entry) {
    return run("outbox", "readwrite", function (s) { return s.put(entry); });
  }

  function remove(ids) {
    return run("outbox", "readwrite", function (s) {
      ids.forEach(function (id) { s.delete(id); });
    });
  }

  // Send the current user's entries in batches; keep them if the network or the session fails.
  function flushOnce() {
    return getMeta("user").then(function (user) {
      if (!user) return { sent: 0, rejected: [], left: 0, signedOut: false };
      return pending(user).then(function (rows) {
        if (!rows.length) return { sent: 0, rejected: [], left: 0, signedOut: false };
        var batch = rows.slice(0, BATCH);
        var body = JSON.stringify({ entries: batch.map(function (row) { return row.payload; }) });
        return fetch(SYNC_URL, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-Continuum-Sync": "1" },
          body: body
        }).then(function (response) {
          if (response.status === 401) return { sent: 0, rejected: [], left: rows.length, signedOut: true };
          if (!response.ok) throw new Error("sync failed: " + response.status);
          return response.json().then(function (answer) {
            var done = [], rejected = [];
            answer.results.forEach(function (result, index) {
              var row = batch[index];
              done.push(row.id);
              if (result.status === "rejected") rejected.push({ row: row, error: result.error });
            });
            return remove(done).then(function () {
              return { sent: done.length - rejected.length, rejected: rejected, left: rows.length - done.length, signedOut: false };
            });
          });
        });
      });
    });
  }

  function flush() {
    if (flushing) return flushing;
    var totals = { sent: 0, rejected: [], signedOut: false };
    function loop() {
      return flushOnce().then(function (step) {
        totals.sent += step.sent;
        totals.rejected = totals.rejected.concat(step.rejected);
        totals.signedOut = step.signedOut;
        if (step.left > 0 && !step.signedOut && step.sent + step.rejected.length > 0) return loop();
        return totals;
      });
    }
    var locks = scope.navigator && scope.navigator.locks;
    var work = locks ? function () { return locks.request("continuum-outbox", loop); } : loop;
    flushing = work().finally(function () { flushing = null; });
    return flushing;
  }

  scope.ContinuumOutbox = {
    add: add,
    pending: pending,
    flush: flush,
    remove: remove,
    currentUser: function () { return getMeta("user"); },
    setCurrentUser: function (user) { return setMeta("user", user); }
  };
})(self);
