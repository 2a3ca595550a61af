"""Backup, restore and migration of a user pool's users (docs/operations.md).

- `quotas`: Cognito's published request-rate quotas, the pacing built on them and the time estimates.
- `export`: `make export-users`: a dated, self-describing, resumable JSON Lines backup.
- `restore`: `make import-users`: the backup as Cognito's import CSV, the import job, group memberships.
- `__main__`: the command line (`python -m scripts.user_backup export|import|estimate`).

The logic takes boto3 clients as arguments, so tests run it against moto or botocore's Stubber.
"""
