"""`make local`: the deployed architecture on one machine, built from the same profile, with the real handlers.

Every server binds 127.0.0.1. The pieces (docs/local.md has the fidelity table):

- `assembly`: the profile's synthesized templates (cached while their inputs are unchanged) and a resolver of
  CloudFormation intrinsics against the local physical ids;
- `resources`: the template's stateful resources created locally, by resource type (user pool, clients, groups,
  buckets, identity pool);
- `functions`: every Lambda function of the template in its own worker process, with its environment from the
  template, behind a Lambda Invoke API endpoint (`lambda_api`) that cognito-local calls for the triggers;
- `login`: the user pool's public face in front of cognito-local: managed login (code + PKCE), OIDC discovery,
  JWKS, SRP, the V2 pre token generation trigger, and the local mailbox;
- `api`: the HTTP API as API Gateway runs it (aws_events.http_api) around the real API handler;
- `storage`: moto for S3 (with the bucket's CORS rules enforced as S3 does) and the identity pool;
- `stack`: starts and stops all of it; `python -m local up|stop`.
"""
