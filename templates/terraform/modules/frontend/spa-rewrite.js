// Viewer-request function: a path without a file extension is a route of the single-page app,
// so it is served /index.html; files (main-*.js, styles-*.css, assets/...) pass through.
function handler(event) {
  var request = event.request;
  var last = request.uri.split("/").pop();
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
