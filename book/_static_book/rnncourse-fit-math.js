/*
 * Formulas fit the text column on a narrow screen (WCAG 1.4.10 Reflow).
 *
 * MathJax 3 does not break long formulas into lines. After typesetting, and whenever the window
 * is resized, every formula wider than the box it was given is set in a smaller font, just small
 * enough to fit (never below 40 %); a formula that fits keeps the page's size. The formula's
 * hidden MathML (assistive technology) is unaffected.
 */
(function () {
  "use strict";
  function fit() {
    var boxes = document.querySelectorAll("main mjx-container");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i], math = box.querySelector("mjx-math");
      if (!math) continue;
      box.style.fontSize = "";
      var display = box.getAttribute("display") === "true";
      var parent = display ? box : box.parentElement;
      var column = box.closest("article, main") || document.body;
      var have = Math.min(parent.getBoundingClientRect().width || Infinity, column.getBoundingClientRect().width);
      var need = math.getBoundingClientRect().width;
      if (need > have && have > 0) {
        box.style.fontSize = Math.max(40, Math.floor((100 * have) / need) - 1) + "%";
      }
    }
  }
  var pending = null;
  function later() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(fit, 60);
  }
  function start() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(fit);
    else setTimeout(start, 100);
  }
  window.addEventListener("resize", later);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
