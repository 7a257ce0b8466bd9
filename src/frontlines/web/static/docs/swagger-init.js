// Starts Swagger UI on /docs (an external script: the page's CSP allows no inline script).
window.addEventListener("DOMContentLoaded", function () {
  var spec = document.body.getAttribute("data-spec") || "/openapi.json";
  window.ui = SwaggerUIBundle({
    url: spec,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});
