/* /api/v1/docs: Swagger UI from the copy shipped in static/vendor (no CDN, no inline script).
   "Try it out" works with the browser's session: changes carry the page's CSRF token. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var header = document.querySelector('meta[name="csrf-header"]');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (req) {
      if (csrf && csrf.content && !/^(GET|HEAD|OPTIONS)$/i.test(req.method || "GET")) {
        req.headers[(header && header.content) || "X-CSRF-Token"] = csrf.content;
      }
      return req;
    }
  });
})();
