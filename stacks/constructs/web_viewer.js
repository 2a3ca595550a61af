// CloudFront Function (runtime cloudfront-js-2.0) of the web app's distribution, for both viewer events
// (stacks/constructs/web_hosting.py; docs/decisions/0020-web-hosting.md).
//
// viewer-request: a path whose last segment has no dot (/callback, the sign-in redirect) is a route of the
// single-page app and gets /index.html, so S3 never answers 403 for it.
// viewer-response: the page's Content-Security-Policy. The deployment stores it as the objects' user metadata
// x-amz-meta-csp, because it names the API and the data bucket, which CloudFront's response headers policy cannot
// reference without a dependency cycle. Responses without it (S3's own errors) get a policy that allows nothing.
// Event shape: Amazon CloudFront Developer Guide, "CloudFront Functions event structure" (header names are lower case).
var CSP_METADATA = "x-amz-meta-csp";
var NOTHING = "default-src 'none'; frame-ancestors 'none'";

function handler(event) {
  if (event.context.eventType === "viewer-request") {
    var request = event.request;
    var last = request.uri.split("/").pop();
    if (last.indexOf(".") === -1) {
      request.uri = "/index.html";
    }
    return request;
  }
  var response = event.response;
  var headers = response.headers;
  var csp = headers[CSP_METADATA];
  delete headers[CSP_METADATA];
  headers["content-security-policy"] = { value: csp ? csp.value : NOTHING };
  return response;
}
