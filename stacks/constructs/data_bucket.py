"""Per-user file storage: `private/<user-pool sub>/...`, plus a separate server-access-log bucket.

Browser CORS: since January 2025 (@aws-sdk/client-s3 3.729.0, announced in aws/aws-sdk-js-v3 issue
6810) the AWS SDK for JavaScript v3 sends data-integrity checksums by default, so a browser `PutObject`
with identity-pool credentials asks, in its preflight, for the checksum headers below; S3 answers the
preflight only with headers the bucket's rule allows, and the browser then blocks the upload. An
`AllowedHeaders` entry may hold one `*` wildcard (S3 User Guide, "Elements of a CORS configuration"),
so `x-amz-checksum-*` covers every algorithm; `ExposeHeaders` takes exact names.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.nag import acknowledge

# What browsers send for presigned POST/PUT and SDK uploads (origins are restricted by config).
CORS_ALLOWED_HEADERS = (
    "content-type",
    "content-length",
    "content-md5",
    "content-encoding",  # aws-chunked, with checksum trailers
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    # Default data-integrity checksums of the JavaScript SDK v3 (3.729.0 and later).
    "x-amz-checksum-*",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-trailer",
    "x-amz-decoded-content-length",
)
# Response headers the browser app may read: the object's identity and the checksums S3 returns.
CORS_EXPOSED_HEADERS = (
    "ETag",
    "x-amz-version-id",
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "x-amz-checksum-type",
)


class DataBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        self._origins = _Origins(config.cors_origins)
        destroy = not config.retain
        removal = cdk.RemovalPolicy.DESTROY if destroy else cdk.RemovalPolicy.RETAIN
        common = {
            "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
            "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            "encryption": s3.BucketEncryption.S3_MANAGED,
            "enforce_ssl": True,
            "versioned": True,
            # No auto_delete_objects: its custom-resource Lambda would have no log group of ours.
            # `make destroy` empties the buckets of a destroyable profile first.
            "removal_policy": removal,
        }
        self.access_logs = s3.Bucket(
            self,
            names.ACCESS_LOG_BUCKET,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=cdk.Duration.days(365),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            **common,  # type: ignore[arg-type]
        )
        acknowledge(
            self.access_logs, "AwsSolutions-S1", "This is the server-access-log bucket; it does not log itself."
        )
        self.bucket = s3.Bucket(
            self,
            names.DATA_BUCKET,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="data-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="noncurrent-and-incomplete",
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            # The origins are read at synth: allow_origin() may add the hosted web app's afterwards.
            cors=[s3.CorsRule(**_cors_rule(self._origins))] if self._origins.origins else None,
            **common,  # type: ignore[arg-type]
        )
        for bucket, logical_id in ((self.bucket, names.DATA_BUCKET), (self.access_logs, names.ACCESS_LOG_BUCKET)):
            cfn = bucket.node.default_child
            assert isinstance(cfn, s3.CfnBucket)
            cfn.override_logical_id(logical_id)

    def allow_origin(self, origin: str) -> None:
        """Add an origin known only at deploy (the hosted web app's distribution) to the bucket's one CORS rule."""
        if not self._origins.origins:
            self.bucket.add_cors_rule(**_cors_rule(self._origins))
        self._origins.origins.append(origin)


@jsii.implements(cdk.IStableListProducer)
class _Origins:
    """The CORS rule's origins, produced at synth (cdk.Lazy), so allow_origin() can still add one."""

    def __init__(self, origins: list[str]) -> None:
        self.origins = list(origins)

    def produce(self) -> list[str]:
        return self.origins


def _cors_rule(origins: _Origins) -> dict[str, Any]:
    return {
        "allowed_origins": cdk.Lazy.list(origins),
        "allowed_methods": [s3.HttpMethods.GET, s3.HttpMethods.PUT, s3.HttpMethods.POST, s3.HttpMethods.HEAD],
        "allowed_headers": list(CORS_ALLOWED_HEADERS),
        "exposed_headers": list(CORS_EXPOSED_HEADERS),
        "max_age": 3000,
    }
