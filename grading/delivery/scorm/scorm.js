// SCORM 1.2 runtime of a Pathways lesson package. It tells the LMS four things and nothing else:
// cmi.core.lesson_status ("incomplete", then "completed" once every activity with a public key has had its first
// attempt), cmi.core.score.raw/min/max (the share of those activities' points, 0-100) and cmi.core.session_time.
// No choice, answer or free text is ever sent. The first attempts of the first visit that completes the lesson
// count: once the LMS says the lesson is completed, later visits report no score (low-stakes, and the same rule
// as the lessons' "your first attempt counts").
// The LMS's API is found as SCORM 1.2 says (window.API in a parent frame or the opener). When the package runs in
// a frame of another origin, where that object cannot be reached, the calls go to the parent frame as messages
// (the protocol of scorm-again's CrossFrameLMS: {messageId, method, params} answered by {messageId, result}).
(function () {
  "use strict";
  function findApi() {
    let win = window;
    for (let i = 0; i < 10 && win; i++) {
      try { if (win.API) return win.API; } catch (err) { /* another origin: not reachable */ }
      if (win.parent === win) break;
      win = win.parent;
    }
    try { if (window.opener && window.opener.API) return window.opener.API; } catch (err) { /* another origin */ }
    return null;
  }

  const api = findApi();
  let counter = 0;
  const pending = {};
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== window.parent || !data || typeof data.messageId !== "string" || !(data.messageId in pending)) return;
    pending[data.messageId](data.result);
    delete pending[data.messageId];
  });
  function call(method, params) {  // a promise of the LMS's answer
    if (api) return Promise.resolve(api[method].apply(api, params));
    if (window.parent === window) return Promise.resolve("");  // not in an LMS: nothing to tell
    const messageId = "pathways-" + Date.now() + "-" + (counter++);
    return new Promise((resolve) => {
      pending[messageId] = resolve;
      window.parent.postMessage({ messageId: messageId, method: method, params: params }, "*");
      setTimeout(() => { if (messageId in pending) { delete pending[messageId]; resolve(""); } }, 5000);
    });
  }

  let queue = Promise.resolve();
  const started = Date.now();
  let counts = true, finished = false, last = "";
  function then(step) { queue = queue.then(step, step); return queue; }
  then(() => call("LMSInitialize", [""]))
    .then(() => call("LMSGetValue", ["cmi.core.lesson_status"]))
    .then((status) => {
      counts = status !== "completed" && status !== "passed";
      if (counts) return call("LMSSetValue", ["cmi.core.lesson_status", "incomplete"]);
      return "";
    });

  function timespan(ms) {  // CMITimespan: HHHH:MM:SS.SS
    const s = ms / 1000, h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const pad = (n, w) => String(n).padStart(w, "0");
    return pad(h, 4) + ":" + pad(m, 2) + ":" + pad(sec.toFixed(2), 5);
  }

  window.PathwaysScorm = {
    report: function (result) {
      const key = result.raw + "/" + result.complete;
      if (key === last || finished) return;
      last = key;
      then(() => {
        if (!counts) return "";
        return call("LMSSetValue", ["cmi.core.score.min", "0"])
          .then(() => call("LMSSetValue", ["cmi.core.score.max", "100"]))
          .then(() => call("LMSSetValue", ["cmi.core.score.raw", String(result.raw)]))
          .then(() => (result.complete ? call("LMSSetValue", ["cmi.core.lesson_status", "completed"]) : ""))
          .then(() => call("LMSCommit", [""]));
      });
    },
  };
  window.addEventListener("pagehide", () => {
    if (finished) return;
    finished = true;
    // At once and in order, not behind the queue: the page is going away (a quick exit, a closed tab).
    call("LMSSetValue", ["cmi.core.session_time", timespan(Date.now() - started)]);
    call("LMSCommit", [""]);
    call("LMSFinish", [""]);
  });
})();
