/*
 * Search snippets for a book opened from disk (file://).
 *
 * Sphinx's search page fetches every hit's page to cut a snippet out of it; browsers refuse
 * fetch() on file:// URLs, so the results would show titles only. The build writes the text of
 * every page into _static/rnncourse-pagetext.js (window.RNNCOURSE_PAGE_TEXT, loaded before this
 * script, only on the search page); on file:// this answers the search page's fetch of a page of
 * the site from it. Over http nothing changes.
 */
(function () {
  "use strict";
  if (window.location.protocol !== "file:" || !window.fetch) return;
  var pages = window.RNNCOURSE_PAGE_TEXT || {};
  var here = document.currentScript ? document.currentScript.src : window.location.href;
  var root = new URL("../", here).href;  // this script lives in <site>/_static/
  var fetchPage = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var url = new URL(typeof input === "string" ? input : input.url, window.location.href);
    var path = url.href.indexOf(root) === 0 ? url.href.slice(root.length).split(/[?#]/)[0] : null;
    if (path !== null && Object.prototype.hasOwnProperty.call(pages, path)) {
      return Promise.resolve(new Response(pages[path], {
        status: 200, headers: { "Content-Type": "text/html; charset=utf-8" },
      }));
    }
    return fetchPage(input, init);
  };
})();
