/*
 * Notebook links (.ipynb) download, over http and from a book opened from disk (file://).
 *
 * Every such link gets the `download` attribute. Over http that is enough. From file:// Chromium
 * ignores `download` (a file URL is an opaque origin) and opens the notebook as text; there the
 * click loads the notebook's twin script `<name>.ipynb.js` (written by book/_ext/rnncourse_a11y.py;
 * scripts load from file:// where fetch does not), which sets window.RNNCOURSE_NOTEBOOK to the
 * notebook's text, and saves that as a Blob, which does download.
 */
(function () {
  "use strict";
  function fileName(a) {
    return decodeURIComponent(a.pathname.split("/").pop());
  }
  function save(text, name) {
    var url = URL.createObjectURL(new Blob([text], { type: "application/x-ipynb+json" }));
    var tmp = document.createElement("a");
    tmp.href = url;
    tmp.download = name;
    tmp.style.display = "none";
    document.body.appendChild(tmp);
    tmp.click();
    tmp.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }
  function fromDisk(a) {
    var script = document.createElement("script");
    window.RNNCOURSE_NOTEBOOK = undefined;
    script.src = a.href + ".js";
    script.onload = function () {
      var text = window.RNNCOURSE_NOTEBOOK;
      script.remove();
      if (typeof text === "string") save(text, fileName(a));
      else window.location.href = a.href;
    };
    script.onerror = function () { script.remove(); window.location.href = a.href; };
    document.head.appendChild(script);
  }
  function setUp() {
    var links = document.querySelectorAll('a[href$=".ipynb"]');
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      a.setAttribute("download", fileName(a));
      if (window.location.protocol === "file:") {
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          fromDisk(ev.currentTarget);
        });
      }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
