/*
 * Offline glue for the ipywidgets HTML manager (html-manager 1.x) in the rnncourse book.
 *
 * Loaded after require.js and before html-manager/embed-amd.js, only on pages that display widgets
 * (see nb_ipywidgets_js in _config.yml). Two fixes:
 *
 * 1. Fonts. The html-manager bundles derive their webpack public path from their AMD module's URI
 *    (embed-amd.js defines "@jupyter-widgets/{base,controls,html-manager}" and
 *    "@jupyter-widgets/html-manager/dist/libembed-amd"). Without a mapping, require.js resolves
 *    those names relative to the page, so the icon fonts 404. We map them into
 *    _static/html-manager/, where the vendored bundle sits next to its fonts.
 *
 * 2. MathJax. The widgets call the MathJax 2 API (MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]))
 *    whenever window.MathJax exists; under MathJax 3 that throws. We give every object that becomes
 *    window.MathJax a small Hub whose Queue typesets through MathJax 3's typesetPromise.
 */
(function () {
  "use strict";

  var here = document.currentScript ? document.currentScript.src : window.location.href;
  var staticDir = here.slice(0, here.lastIndexOf("/") + 1);
  var managerDir = staticDir + "html-manager";
  var manager = managerDir + "/embed-amd";

  if (typeof window.requirejs === "function" && window.requirejs.config) {
    window.requirejs.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": managerDir,
        "@jupyter-widgets/html-manager": manager,
        "@jupyter-widgets/base": manager,
        "@jupyter-widgets/controls": manager,
      },
    });
  }

  function typesetLater(elements) {
    var run = function () {
      var mj = window.MathJax;
      if (mj && typeof mj.typesetPromise === "function") {
        mj.typesetPromise(elements).catch(function (err) {
          console.warn("MathJax could not typeset a widget label:", err);
        });
      }
    };
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(run);
    } else {
      window.addEventListener("load", function () {
        var later = window.MathJax;
        if (later && later.startup && later.startup.promise) {
          later.startup.promise.then(run);
        }
      });
    }
  }

  function addHub(mj) {
    if (!mj || typeof mj !== "object" || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function () {
        var elements = [];
        for (var k = 0; k < arguments.length; k++) {
          var job = arguments[k];
          if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
            elements.push(job[2]);
          }
        }
        if (elements.length) {
          typesetLater(elements);
        }
      },
    };
  }

  // MathJax 3 replaces window.MathJax with its own object when it loads (the earlier value becomes
  // its configuration), so hook the assignment rather than patching the current value once.
  var current = window.MathJax;
  addHub(current);
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      enumerable: true,
      get: function () {
        return current;
      },
      set: function (value) {
        current = value;
        addHub(value);
      },
    });
  } catch (err) {
    console.warn("rnncourse: could not install the MathJax 2 shim:", err);
  }
})();
