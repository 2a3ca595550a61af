"""Identity pool, its roles and the data bucket: structure and intent (the policy *evaluation*
lives in test_storage_isolation.py)."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from tests.support import Synth


def resources(synth: Synth) -> dict[str, Any]:
    result: dict[str, Any] = synth.templates["Auth"]["Resources"]
    return result


def identity_roles(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        logical_id: r
        for logical_id, r in resources(synth).items()
        if r["Type"] == "AWS::IAM::Role" and "cognito-identity.amazonaws.com" in str(r["Properties"])
    }


def test_identity_pool_accepts_user_pool_clients_only_with_classic_flow_off(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        "AWS::Cognito::IdentityPool",
        {
            "AllowClassicFlow": False,
            "AllowUnauthenticatedIdentities": synth.config.identity.allow_guests,
            "CognitoIdentityProviders": [
                {
                    "ClientId": {"Ref": client},
                    "ProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
                    "ServerSideTokenCheck": True,
                }
                for client in ("WebClient", "NativeClient")
            ],
            # Social providers federate through the user pool, so every identity has a user-pool sub.
            "SupportedLoginProviders": Match.absent(),
            "OpenIdConnectProviderARNs": Match.absent(),
            "SamlProviderARNs": Match.absent(),
        },
    )


def test_guests_are_off_unless_configured(dev: Synth, prod: Synth, full: Synth) -> None:
    for synth in (dev, prod):
        assert resources(synth)["IdentityPool"]["Properties"]["AllowUnauthenticatedIdentities"] is False
        assert "unauthenticated" not in resources(synth)["IdentityPoolRoleAttachment"]["Properties"]["Roles"]
    assert "unauthenticated" in resources(full)["IdentityPoolRoleAttachment"]["Properties"]["Roles"]


def test_every_role_trusted_by_cognito_identity_checks_aud_and_amr_and_allows_session_tags(synth: Synth) -> None:
    roles = identity_roles(synth)
    # The authenticated role, one per group, and the guest role when configured.
    assert len(roles) == 1 + len(synth.config.groups) + (1 if synth.config.identity.allow_guests else 0)
    for logical_id, role in roles.items():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        amr = "unauthenticated" if "Guest" in logical_id else "authenticated"
        assert statement == {
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
            },
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        }, logical_id


def test_the_user_pool_sub_becomes_the_only_session_tag(synth: Synth) -> None:
    synth.template("Auth").has_resource_properties(
        "AWS::Cognito::IdentityPoolPrincipalTag",
        {
            "IdentityPoolId": {"Ref": "IdentityPool"},
            "IdentityProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
            "PrincipalTags": {"sub": "sub"},
            "UseDefaults": False,
        },
    )


def test_roles_are_chosen_from_the_token_with_the_least_privileged_fallback(synth: Synth) -> None:
    attachment = resources(synth)["IdentityPoolRoleAttachment"]["Properties"]
    auth_role = attachment["Roles"]["authenticated"]["Fn::GetAtt"][0]
    assert auth_role.startswith("IdentityPoolAuthenticatedRole")
    assert attachment["RoleMappings"] == {
        kind: {
            "Type": "Token",
            "AmbiguousRoleResolution": "AuthenticatedRole",
            "IdentityProvider": {
                "Fn::Join": [":", [{"Fn::GetAtt": ["UserPool", "ProviderName"]}, {"Ref": f"{kind.capitalize()}Client"}]]
            },
        }
        for kind in ("web", "native")
    }


def test_identity_pool_and_role_attachment_are_retained_in_prod(prod: Synth) -> None:
    for logical_id in ("IdentityPool", "IdentityPoolRoleAttachment", "DataBucket", "AccessLogBucket"):
        resource = resources(prod)[logical_id]
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), logical_id


def test_data_bucket_is_private_encrypted_versioned_and_tls_only(synth: Synth) -> None:
    template = synth.template("Auth")
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "LoggingConfiguration": {
                "DestinationBucketName": {"Ref": "AccessLogBucket"},
                "LogFilePrefix": "data-bucket/",
            },
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "noncurrent-and-incomplete",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": "DataBucket"},
            "PolicyDocument": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Action": "s3:*",
                                    "Effect": "Deny",
                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                                    "Principal": {"AWS": "*"},
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )


# The request headers a browser PutObject / UploadPart of the AWS SDK for JavaScript v3 (3.729.0 and
# later, data-integrity checksums on by default: aws/aws-sdk-js-v3 issue 6810) names in its CORS
# preflight's Access-Control-Request-Headers, with identity-pool (session) credentials.
SDK_UPLOAD_HEADERS = (
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "authorization",
    "content-type",
    "content-md5",
    "x-amz-content-sha256",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-user-agent",
    "x-amz-sdk-checksum-algorithm",
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    # Streaming bodies: aws-chunked encoding with the checksum as a trailer.
    "content-encoding",
    "x-amz-decoded-content-length",
    "x-amz-trailer",
)


def s3_allows_header(header: str, allowed: list[str]) -> bool:
    """S3's AllowedHeader matching: case-insensitive, each entry with at most one `*` wildcard."""
    for entry in (entry.lower() for entry in allowed):
        assert entry.count("*") <= 1, f"{entry}: S3 allows one wildcard per AllowedHeader"
        head, star, tail = entry.partition("*")
        name = header.lower()
        if (name == entry) if not star else (name.startswith(head) and name.endswith(tail)):
            return True
    return False


def test_cors_only_for_configured_origins_and_needed_methods(dev: Synth, prod: Synth) -> None:
    (rule,) = resources(prod)["DataBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == ["https://app.your-company.example"]
    # dev also hosts the web app (web.enabled): its distribution's origin joins the configured one
    (rule,) = resources(dev)["DataBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [
        "http://localhost:5173",
        {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["WebDistributionCF3E234B", "DomainName"]}]]},
    ]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD", "POST", "PUT"]
    assert "*" not in rule["AllowedHeaders"]


def test_cors_allows_what_the_javascript_sdk_sends_for_uploads(synth: Synth) -> None:
    (rule,) = resources(synth)["DataBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    refused = [header for header in SDK_UPLOAD_HEADERS if not s3_allows_header(header, rule["AllowedHeaders"])]
    assert refused == []
    # ...and not any header: the list is what the SDK and presigned POST send.
    for header in ("x-custom-header", "cookie", "x-amz-acl", "x-amz-grant-full-control"):
        assert not s3_allows_header(header, rule["AllowedHeaders"]), header


def test_cors_exposes_the_object_version_and_checksums(synth: Synth) -> None:
    (rule,) = resources(synth)["DataBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    # ETag: multipart uploads need the part ETags; the version ID and checksums identify what was stored.
    assert {"ETag", "x-amz-version-id", "x-amz-checksum-crc32", "x-amz-checksum-crc64nvme"} <= set(
        rule["ExposedHeaders"]
    )
    assert not any("*" in header for header in rule["ExposedHeaders"])


def test_no_auto_delete_custom_resource_anywhere(synth: Synth) -> None:
    for template in synth.templates.values():
        assert not any(r["Type"].startswith("Custom::S3AutoDeleteObjects") for r in template["Resources"].values())
