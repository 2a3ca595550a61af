"""Hosting of the browser app (web.enabled): a private S3 bucket behind CloudFront with origin access control.

- The bucket blocks all public access; only this distribution reads it, through origin access control (OAC):
  CloudFront signs its requests and the bucket policy allows `s3:GetObject` to the CloudFront service principal
  for this distribution's ARN only (Amazon CloudFront Developer Guide, "Restrict access to an Amazon S3 origin").
- The response headers policy adds HSTS, nosniff, `X-Frame-Options`, `Referrer-Policy` and the custom headers of
  stacks/web_client.py, overriding any the origin sends (Amazon CloudFront Developer Guide, "Add or remove HTTP
  headers in CloudFront responses with a policy"). The Content-Security-Policy comes from the viewer-response
  function (web_viewer.js), because it names the API and the data bucket: the data bucket's CORS rule and the web
  client's callback URLs name this distribution, so a policy resource naming them would close a dependency cycle
  (decision 20).
- The viewer-request function serves `/index.html` for the app's routes (`/callback`).

This construct lives in the auth stack because the web client's callback and sign-out URLs, created there, need
the distribution's domain; the files and `config.json` are published by the API stack (web_content.py), which
knows every value they need.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.nag import acknowledge
from stacks.web_client import (
    CALLBACK_PATH,
    CUSTOM_HEADERS,
    FRAME_OPTIONS,
    HSTS_MAX_AGE_S,
    REFERRER_POLICY,
)

VIEWER_FUNCTION = Path(__file__).with_name("web_viewer.js")
_FRAME_OPTIONS = {"DENY": cloudfront.HeadersFrameOption.DENY, "SAMEORIGIN": cloudfront.HeadersFrameOption.SAMEORIGIN}
_REFERRER_POLICIES = {"no-referrer": cloudfront.HeadersReferrerPolicy.NO_REFERRER}


class WebHosting(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.bucket = self._bucket(config, access_logs)
        viewer = cloudfront.Function(
            self,
            "ViewerFunction",
            code=cloudfront.FunctionCode.from_file(file_path=str(VIEWER_FUNCTION)),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="Web app: routes to /index.html, Content-Security-Policy from the object's metadata",
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            comment=f"{config.prefix} web app security headers (stacks/web_client.py)",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.seconds(HSTS_MAX_AGE_S), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=_FRAME_OPTIONS[FRAME_OPTIONS], override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=_REFERRER_POLICIES[REFERRER_POLICY], override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(header=name, value=value, override=True)
                    for name, value in CUSTOM_HEADERS.items()
                ]
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{config.prefix} web app",
            default_root_object="index.html",
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                function_associations=[
                    cloudfront.FunctionAssociation(function=viewer, event_type=event)
                    for event in (
                        cloudfront.FunctionEventType.VIEWER_REQUEST,
                        cloudfront.FunctionEventType.VIEWER_RESPONSE,
                    )
                ],
            ),
        )
        self._acknowledge()

    @property
    def origin(self) -> str:
        """The app's origin, https://<distribution>.cloudfront.net (CORS rules name it)."""
        return f"https://{self.distribution.distribution_domain_name}"

    @property
    def callback_url(self) -> str:
        return self.origin + CALLBACK_PATH

    @property
    def sign_out_url(self) -> str:
        return self.origin + "/"

    def _bucket(self, config: AppConfig, access_logs: s3.IBucket) -> s3.Bucket:
        # The app's build output: reproducible from the repository, so every profile may destroy it.
        bucket = s3.Bucket(
            self,
            names.WEB_BUCKET,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="old-builds",
                    noncurrent_version_expiration=cdk.Duration.days(7),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web-bucket/",
            removal_policy=cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY,
        )
        cfn = bucket.node.default_child
        assert isinstance(cfn, s3.CfnBucket)
        cfn.override_logical_id(names.WEB_BUCKET)
        return bucket

    def _acknowledge(self) -> None:
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "The app is for every country its users are in; geo restriction is a business decision, not a default.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "The distribution serves the app's static files only; the user pool has its own WAF (waf.enabled) and "
            "the API its throttling. A CloudFront web ACL must live in us-east-1: docs/web.md shows how to add one.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR3",
            "CloudFront standard logs need an ACL-enabled bucket (this project disables ACLs); the files are public "
            "builds, and the requests that touch data are logged by the API's access log and the data bucket.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR4",
            "The default cloudfront.net certificate, for which CloudFront fixes the minimum protocol; a custom domain "
            "with its own certificate sets TLSv1.2_2021 (docs/web.md, production).",
        )
