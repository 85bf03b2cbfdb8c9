// Viewer-request function: a path without a file extension is a route of the single-page app
// (/events/abc, /bookings, /an/unknown/page), so it is served /index.html and the app routes
// it (its own 404 page included); files (main-<hash>.js, styles-<hash>.css, favicon.ico)
// pass through. The distribution's origin path (/event-planner/browser) maps both to the
// app's prefix in the bucket.
function handler(event) {
  var request = event.request;
  var last = request.uri.split("/").pop();
  if (last.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
