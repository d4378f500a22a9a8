// Follow-along timer: counts reps or holds, sets and rests, keeps the screen awake where the
// browser allows, and logs the exercise when finished. Progressive enhancement: without it
// the "Mark as done" form still works.
(function () {
  "use strict";
  var root = document.getElementById("timer");
  var form = document.getElementById("log-form");
  if (!root || !form) return;

  var REP_SECONDS = 3;   // pace for reps without a hold
  var RELAX_SECONDS = 3; // pause between holds
  var READY_SECONDS = 5;

  var sets = Number(root.dataset.sets) || 1;
  var reps = Number(root.dataset.reps) || 1;
  var hold = Number(root.dataset.hold) || 0;
  var rest = Number(root.dataset.rest) || 0;
  var sides = root.dataset.eachSide === "true" ? ["left side", "right side"] : [""];

  var steps = [{ kind: "ready", label: "Get ready", seconds: READY_SECONDS }];
  for (var set = 1; set <= sets; set++) {
    sides.forEach(function (side, sideIndex) {
      for (var rep = 1; rep <= reps; rep++) {
        steps.push({
          kind: hold ? "hold" : "rep",
          label: hold ? "Hold" : "Rep " + rep,
          seconds: hold || REP_SECONDS,
          set: set, rep: rep, side: side
        });
        var lastOfSide = rep === reps;
        if (hold && !lastOfSide) {
          steps.push({ kind: "relax", label: "Relax", seconds: RELAX_SECONDS, set: set, rep: rep, side: side });
        }
        if (lastOfSide && sideIndex < sides.length - 1) {
          steps.push({ kind: "relax", label: "Switch sides", seconds: READY_SECONDS, set: set, rep: rep, side: side });
        }
      }
    });
    if (set < sets && rest > 0) {
      steps.push({ kind: "rest", label: "Rest", seconds: rest, set: set });
    }
  }

  var el = {
    phase: root.querySelector('[data-timer="phase"]'),
    count: root.querySelector('[data-timer="count"]'),
    progress: root.querySelector('[data-timer="progress"]'),
    start: root.querySelector('[data-timer-action="start"]'),
    pause: root.querySelector('[data-timer-action="pause"]'),
    skip: root.querySelector('[data-timer-action="skip"]')
  };
  var index = 0, remaining = 0, ticking = null, wakeLock = null, finished = false;

  function requestWakeLock() {
    if (!("wakeLock" in navigator)) return;
    navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }, function () {});
  }
  function releaseWakeLock() {
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && ticking) requestWakeLock();
  });

  function describe(step) {
    if (!step.set) return "";
    var text = "Set " + step.set + " of " + sets;
    if (step.rep) text += " · " + (hold ? "hold " : "rep ") + step.rep + " of " + reps;
    if (step.side) text += " · " + step.side;
    return text;
  }

  function show() {
    var step = steps[index];
    root.dataset.state = step.kind;
    el.phase.textContent = step.label + (step.side && step.kind !== "rest" ? " (" + step.side + ")" : "");
    el.count.textContent = String(remaining);
    el.progress.textContent = describe(step);
  }

  function enter(i) {
    index = i;
    if (index >= steps.length) return finish();
    remaining = steps[index].seconds;
    if (navigator.vibrate) navigator.vibrate(80);
    show();
  }

  function tick() {
    remaining -= 1;
    if (remaining <= 0) enter(index + 1); else show();
  }

  function run() {
    if (ticking || finished) return;
    ticking = setInterval(tick, 1000);
    requestWakeLock();
    el.start.hidden = true;
    el.pause.hidden = false;
    el.skip.hidden = false;
  }

  function pause() {
    clearInterval(ticking);
    ticking = null;
    releaseWakeLock();
    el.start.hidden = false;
    el.start.textContent = "Resume";
    el.pause.hidden = true;
    el.phase.textContent = "Paused";
  }

  function finish() {
    clearInterval(ticking);
    ticking = null;
    finished = true;
    releaseWakeLock();
    root.dataset.state = "finished";
    el.phase.textContent = "Well done! Saving…";
    el.count.textContent = "✓";
    el.progress.textContent = "";
    el.pause.hidden = true;
    el.skip.hidden = true;
    form.querySelector('input[name="with_timer"]').value = "1";
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  el.start.addEventListener("click", function () {
    if (index === 0 && remaining === 0) enter(0);
    run();
  });
  el.pause.addEventListener("click", pause);
  el.skip.addEventListener("click", function () { enter(index + 1); });
})();
