// The booking page inside another site's <iframe data-agendo-embed>. One file for both sides:
// in the framed page it posts the page's height to the parent whenever it changes; on the
// business's site it sets each such frame's height from the messages of that frame's origin.
(function () {
  "use strict";
  var TYPE = "agendo:height";

  if (window.parent !== window) {
    var last = 0;
    var post = function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height && height !== last) {
        last = height;
        // Only a number is sent: nothing a parent page should not read.
        window.parent.postMessage({ type: TYPE, height: height }, "*");
      }
    };
    window.addEventListener("load", post);
    document.addEventListener("htmx:afterSettle", post);
    if ("ResizeObserver" in window) new ResizeObserver(post).observe(document.documentElement);
    post();
    return;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== TYPE || typeof data.height !== "number") return;
    var frames = document.querySelectorAll("iframe[data-agendo-embed]");
    Array.prototype.forEach.call(frames, function (frame) {
      if (frame.contentWindow !== event.source) return;
      if (new URL(frame.src, window.location.href).origin !== event.origin) return;
      frame.style.height = Math.min(Math.max(data.height, 200), 20000) + "px";
    });
  });
})();
