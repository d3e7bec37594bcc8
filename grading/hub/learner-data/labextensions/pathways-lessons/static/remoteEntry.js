/* Pathways lessons open ready to use: a JupyterLab plugin, written by hand as a federated extension (no build step:
 * it needs nothing from the shared modules, only the application it is given).
 *
 * When a Pathways lesson (lesson.ipynb or lesson.<lang>.ipynb whose first code cell uses `pathways`) opens, its
 * cells are run once, as soon as its kernel is connected and idle, so the role-play, sorting and checks show
 * without the learner finding Run > Run All Cells. Any other notebook is left alone. A Run All sent while the
 * kernel is still connecting is dropped by JupyterLab, so it is sent again until a cell has run (at most 3 times).
 */
(function () {
  "use strict";
  var LESSON = /(^|\/)lesson(\.[a-z]{2})?\.ipynb$/;

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function codeCells(panel) {
    return panel.content.widgets.filter(function (cell) { return cell.model.type === "code"; });
  }

  function isLesson(panel) {
    if (!LESSON.test(panel.context.path || "")) { return false; }
    var first = codeCells(panel)[0];
    return !!first && /\bpathways\b/.test(first.model.sharedModel.getSource());
  }

  async function kernelIdle(panel, timeoutMs) {
    var deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      var session = panel.sessionContext.session;
      var kernel = session && session.kernel;
      if (kernel && kernel.connectionStatus === "connected" && kernel.status === "idle") { return true; }
      await sleep(250);
    }
    return false;
  }

  function ran(panel) {
    return codeCells(panel).some(function (cell) { return cell.model.executionCount !== null; });
  }

  async function openReady(app, panel) {
    await panel.context.ready;
    await panel.sessionContext.ready;
    if (!isLesson(panel) || ran(panel)) { return; }
    for (var attempt = 0; attempt < 3 && !panel.isDisposed; attempt++) {
      if (!(await kernelIdle(panel, 120000))) { return; }
      app.shell.activateById(panel.id);
      await app.commands.execute("notebook:run-all-cells");
      var deadline = Date.now() + 20000;
      while (Date.now() < deadline && !ran(panel)) { await sleep(250); }
      if (ran(panel)) { return; }
    }
  }

  var plugin = {
    id: "pathways-lessons:open-ready",
    description: "Runs a Pathways lesson's cells once when it opens, so its activities show.",
    autoStart: true,
    requires: [],
    activate: function (app) {
      var seen = new WeakSet();
      function consider(widget) {
        if (!widget || seen.has(widget) || !widget.sessionContext || !widget.content || !widget.context) { return; }
        seen.add(widget);
        openReady(app, widget).catch(function (err) { console.warn("pathways-lessons:", err); });
      }
      app.restored.then(function () {
        consider(app.shell.currentWidget);
        app.shell.currentChanged.connect(function (_shell, change) { consider(change.newValue); });
      });
    }
  };

  var root = (window._JUPYTERLAB = window._JUPYTERLAB || {});
  root["pathways-lessons"] = {
    init: function () { return Promise.resolve(); },
    get: function (module) {
      if (module !== "./extension") { return Promise.reject(new Error("pathways-lessons has no " + module)); }
      return Promise.resolve(function () { return { __esModule: true, default: [plugin] }; });
    }
  };
})();
