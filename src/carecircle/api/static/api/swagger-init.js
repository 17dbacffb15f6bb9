// Starts the vendored Swagger UI on /api/docs from a static file (no inline script: the page
// passes the Content-Security-Policy). Settings come from the JSON block the page renders.
(function () {
  var body = document.body.dataset;
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  if (body.apiCsrf && body.csrfToken) {
    config.requestInterceptor = function (req) {
      req.headers["X-CSRFToken"] = body.csrfToken;
      return req;
    };
  }
  window.SwaggerUIBundle(config);
})();
