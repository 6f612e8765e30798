/* Size the iframe that holds a widget view to its content (same-origin srcdoc frame). */
(function () {
  function fit() {
    var f = window.frameElement;
    if (f) f.style.height = Math.ceil(document.body.getBoundingClientRect().height + 6) + "px";
  }
  if (window.ResizeObserver) new ResizeObserver(fit).observe(document.body);
  window.addEventListener("load", fit);
  fit();
})();
