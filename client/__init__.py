"""Command-line client of the deployed reference architecture: `python -m client --help`, docs/cli.md.

Modules: outputs (the deployed stack's outputs file), auth (sign-up, SRP sign-in, refresh, sign-out),
cache (the cached session), api (the HTTP API and its presigned URLs), storage (direct S3 with
identity-pool credentials), errors (one-line messages).
"""
