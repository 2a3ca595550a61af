"""The web app's hosting (web.enabled, on in dev): what the templates say, and the viewer function run on the events
CloudFront passes it (Amazon CloudFront Developer Guide, "CloudFront Functions event structure"). That the headers
work in a browser is proven by tests/local/test_web_journey.py, which serves the app with the same header set."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from stacks.constructs.web_hosting import VIEWER_FUNCTION
from stacks.names import Outputs
from stacks.web_client import CALLBACK_PATH, CSP_METADATA_KEY, NO_CSP, security_headers
from tests.support import Synth

_DISTRIBUTION = "AWS::CloudFront::Distribution"


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    found = _resources(template, resource_type)
    assert len(found) == 1, list(found)
    return next(iter(found.items()))


def _origin_join(distribution_id: str, path: str = "") -> dict[str, Any]:
    return {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}, *([path] if path else [])]]}


def test_the_bucket_is_private_and_read_by_this_distribution_only(dev: Synth) -> None:
    auth = dev.templates["Auth"]
    distribution_id, distribution = _only(auth, _DISTRIBUTION)
    bucket = auth["Resources"]["WebBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    origin = distribution["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy identity: origin access control
    oac_id, oac = _only(auth, "AWS::CloudFront::OriginAccessControl")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac_id, "Id"]}
    assert oac["Properties"]["OriginAccessControlConfig"] | {"Name": None} == {
        "Name": None, "OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4",
    }  # fmt: skip
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in _resources(auth, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "WebBucket"}
    ]
    allows = [s for s in policies[0] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Action": "s3:GetObject",
            "Condition": {"StringEquals": {"AWS:SourceArn": Match_arn(distribution_id)}},
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["WebBucket", "Arn"]}, "/*"]]},
        }
    ]


def Match_arn(distribution_id: str) -> dict[str, Any]:
    return {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":cloudfront::", {"Ref": "AWS::AccountId"},
                          ":distribution/", {"Ref": distribution_id}]]
    }  # fmt: skip


def test_https_only_with_both_viewer_functions_and_the_headers_policy(dev: Synth) -> None:
    auth = dev.templates["Auth"]
    _, distribution = _only(auth, _DISTRIBUTION)
    config = distribution["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    function_id, function = _only(auth, "AWS::CloudFront::Function")
    policy_id, _ = _only(auth, "AWS::CloudFront::ResponseHeadersPolicy")
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": policy_id}
    assert sorted(a["EventType"] for a in behavior["FunctionAssociations"]) == ["viewer-request", "viewer-response"]
    assert {json.dumps(a["FunctionARN"]) for a in behavior["FunctionAssociations"]} == {
        json.dumps({"Fn::GetAtt": [function_id, "FunctionARN"]})
    }
    assert function["Properties"]["FunctionCode"] == VIEWER_FUNCTION.read_text(encoding="utf-8")
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert config["DefaultRootObject"] == "index.html"


def _headers_cloudfront_adds(policy: dict[str, Any]) -> list[tuple[str, str]]:
    """The response headers a policy adds, as CloudFront writes them (Amazon CloudFront Developer Guide,
    "Understand response headers policies": security headers and custom headers)."""
    security = policy["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = [
        (
            "Strict-Transport-Security",
            f"max-age={hsts['AccessControlMaxAgeSec']}" + ("; includeSubDomains" if hsts["IncludeSubdomains"] else ""),
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", security["FrameOptions"]["FrameOption"]),
        ("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]),
    ]
    headers += [(h["Header"], h["Value"]) for h in policy["CustomHeadersConfig"]["Items"]]
    assert all(v.get("Override", True) for v in security.values())
    return headers


def test_the_policy_adds_the_header_set_the_local_server_sends(dev: Synth) -> None:
    """One source of truth (stacks/web_client.py): the policy's headers and the CSP of the viewer function are those
    local/web.py sends, which the browser journey runs under."""
    _, policy = _only(dev.templates["Auth"], "AWS::CloudFront::ResponseHeadersPolicy")
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    assert "ContentSecurityPolicy" not in config["SecurityHeadersConfig"]  # the viewer function sets it
    assert _headers_cloudfront_adds(config) == security_headers("csp")[:-1]


def test_the_web_clients_urls_and_cors_name_the_distribution(dev: Synth) -> None:
    auth, api = dev.templates["Auth"], dev.templates["Api"]
    distribution_id, _ = _only(auth, _DISTRIBUTION)
    client = auth["Resources"]["WebClient"]["Properties"]
    assert client["CallbackURLs"] == [
        *dev.config.clients.web.callback_urls,
        _origin_join(distribution_id, CALLBACK_PATH),
    ]
    assert client["LogoutURLs"] == [*dev.config.clients.web.logout_urls, _origin_join(distribution_id, "/")]
    (rule,) = auth["Resources"]["DataBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [*dev.config.cors_origins, _origin_join(distribution_id)]
    _, http_api = _only(api, "AWS::ApiGatewayV2::Api")
    origins = http_api["Properties"]["CorsConfiguration"]["AllowOrigins"]
    assert origins[: len(dev.config.cors_origins)] == dev.config.cors_origins
    assert "DomainName" in json.dumps(origins[-1])  # the distribution's, through the auth stack's output
    assert auth["Outputs"][Outputs.WEB_URL]["Value"] == _origin_join(distribution_id, "/")


def test_config_json_and_the_csp_are_deploy_time_values(dev: Synth) -> None:
    api = dev.templates["Api"]
    deployments = _resources(api, "Custom::CDKBucketDeployment")
    pages = next(d["Properties"] for d in deployments.values() if d["Properties"].get("SourceMarkers", [{}])[-1])
    markers = json.dumps(pages["SourceMarkers"])
    for value in ("UserPool", "WebClient", "IdentityPool", "DataBucket", "ApiEndpoint"):
        assert value in markers, value  # from the stacks, not written at synth
    for deployment in deployments.values():
        csp = json.dumps(deployment["Properties"]["UserMetadata"][CSP_METADATA_KEY])
        assert "ApiEndpoint" in csp
        assert "DataBucketRegionalDomainName" in csp
        assert "DataBucketDomainName" in csp
        assert ".amazoncognito.com " in csp
        assert "https://cognito-identity." in csp
    assert pages["DistributionPaths"] == ["/*"]
    assert [d["Properties"]["Prune"] for d in deployments.values()] == [True, False]


def test_without_web_enabled_nothing_is_hosted(prod: Synth) -> None:
    assert not prod.config.web.enabled
    for template in prod.templates.values():
        assert not [r for r in template["Resources"].values() if r["Type"].startswith("AWS::CloudFront::")]
        assert Outputs.WEB_URL not in template.get("Outputs", {})
    assert prod.templates["Auth"]["Resources"]["WebClient"]["Properties"]["CallbackURLs"] == (
        prod.config.clients.web.callback_urls
    )


def _run_viewer_function(event: dict[str, Any]) -> dict[str, Any]:
    script = (
        VIEWER_FUNCTION.read_text(encoding="utf-8")
        + f"\nprocess.stdout.write(JSON.stringify(handler({json.dumps(event)})));"
    )
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return dict(json.loads(done.stdout))


def _viewer_request(uri: str) -> dict[str, Any]:
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.7"},
            "request": {"method": "GET", "uri": uri, "querystring": {}, "headers": {}, "cookies": {}}}  # fmt: skip


@pytest.mark.parametrize(
    ("uri", "served"),
    [("/callback", "/index.html"), ("/", "/index.html"), ("/admin/users", "/index.html"),
     ("/assets/index-a1b2.js", "/assets/index-a1b2.js"), ("/config.json", "/config.json"),
     ("/favicon.svg", "/favicon.svg")],
)  # fmt: skip
def test_viewer_request_serves_the_app_for_its_routes(uri: str, served: str) -> None:
    assert _run_viewer_function(_viewer_request(uri))["uri"] == served


def test_viewer_response_sets_the_csp_from_the_metadata_and_hides_it() -> None:
    def response(headers: dict[str, Any]) -> dict[str, Any]:
        answer = {"statusCode": 200, "statusDescription": "OK", "headers": headers, "cookies": {}}
        return {"version": "1.0", "context": {"eventType": "viewer-response"}, "viewer": {"ip": "198.51.100.7"},
                "request": _viewer_request("/index.html")["request"], "response": answer}  # fmt: skip

    policy = "default-src 'none'; script-src 'self'"
    answered = _run_viewer_function(response({f"x-amz-meta-{CSP_METADATA_KEY}": {"value": policy},
                                              "content-type": {"value": "text/html"}}))  # fmt: skip
    assert answered["headers"] == {"content-type": {"value": "text/html"}, "content-security-policy": {"value": policy}}
    assert _run_viewer_function(response({}))["headers"] == {"content-security-policy": {"value": NO_CSP}}


def test_a_synth_without_a_build_packages_the_placeholder(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """`make synth` needs no npm: without web/dist it packages web/placeholder (and warns); `make deploy` builds."""
    from stacks.constructs import web_content

    monkeypatch.setattr(web_content, "WEB_BUILD", tmp_path / "dist")
    assert web_content.web_build() == web_content.WEB_PLACEHOLDER
    assert (web_content.WEB_PLACEHOLDER / "index.html").read_text(encoding="utf-8").count("make deploy") == 1
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html>")
    assert web_content.web_build() == tmp_path / "dist"
