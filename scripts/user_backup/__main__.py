"""`python -m scripts.user_backup export|import|estimate` (make export-users, make import-users).

Every failure ends in one line and a non-zero exit: 1 for an error, 130 for an interruption (run the
same command again: an export resumes where it stopped, a restore of group memberships too).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from tqdm import tqdm

from scripts.aws_env import AwsEnvError, resolve
from scripts.user_backup.backup_files import MANIFEST, BackupError, dumps, verify
from scripts.user_backup.calls import Caller, client_config, error_code
from scripts.user_backup.export import Exporter, Progress, open_backup
from scripts.user_backup.quotas import DEFAULT_RPS, DEFAULT_SHARE, RateLimiter, estimate_table
from scripts.user_backup.restore import (
    RestoreError,
    build_csv,
    describe_target,
    failed_rows,
    log_group,
    restore_disabled,
    restore_groups,
    run_job,
    upload,
    validate_csv,
)
from stacks.config import ConfigError, load_config, report
from stacks.names import Outputs

BACKUPS = Path("backups")


class CommandError(Exception):
    """One line for the operator."""


def progress_bar(label: str, total: int | None) -> Progress:
    """A bar with count, rate and ETA on stderr (tqdm); plain lines when stderr is not a terminal."""
    bar: Progress = tqdm(total=total, desc=label, unit=" items", dynamic_ncols=True, mininterval=1, file=sys.stderr)
    return bar


def pool_from_outputs(profile: str) -> str:
    """The UserPoolId output of the profile's deployed auth stack (outputs/<profile>.json, `make deploy`)."""
    path = Path("outputs") / f"{profile}.json"
    try:
        stacks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path} not found: deploy first or pass POOL=<user pool id>") from None
    except ValueError as error:
        raise CommandError(f"{path}: not valid JSON ({error})") from None
    ids = [s[Outputs.USER_POOL_ID] for s in stacks.values() if isinstance(s, dict) and Outputs.USER_POOL_ID in s]
    if len(ids) != 1:
        raise CommandError(f"{path}: expected one stack with the output {Outputs.USER_POOL_ID}")
    return str(ids[0])


def aws_session(profile: str, region: str) -> boto3.Session:
    """Credentials for the command, proven once (scripts/aws_env.py), in the user pool's own region."""
    return resolve(pinned_region=region, expected_account=load_config(profile).account).session


def region_of(pool_id: str) -> str:
    return pool_id.split("_", 1)[0]


def limiter(args: argparse.Namespace) -> RateLimiter:
    rps: dict[str, float] = {}
    for item in args.quota or []:
        category, _, value = item.partition("=")
        if category not in DEFAULT_RPS or not value.replace(".", "", 1).isdigit():
            raise CommandError(f"--quota {item}: expected CATEGORY=RPS, CATEGORY one of {', '.join(DEFAULT_RPS)}")
        rps[category] = float(value)
    return RateLimiter(rps, share=args.quota_share)


def export(args: argparse.Namespace) -> int:
    pool_id = args.user_pool_id or pool_from_outputs(args.profile)
    session = aws_session(args.profile, region_of(pool_id))
    call = Caller(session.client("cognito-idp", config=client_config()), limiter(args))
    backup = open_backup(BACKUPS / args.profile, pool_id, fresh=args.fresh, now=datetime.now(UTC))
    verb = "resuming" if backup.state.get("runs") else "writing"
    print(f"{verb} {backup.path} (pool {pool_id}, {args.quota_share:.0%} of each quota)", file=sys.stderr)
    result = Exporter(call, pool_id, backup, mfa=not args.no_mfa, workers=args.workers, progress=progress_bar).run(
        profile=args.profile
    )
    counts = result.manifest["counts"]
    print(
        f"backup complete: {result.backup.path} ({counts['users']} users, {counts['groups']} groups, "
        f"{counts['memberships']} memberships, {counts['app_clients']} app clients; manifest {MANIFEST})"
    )
    return 0


def latest_backup(profile: str) -> Path:
    complete = sorted((p for p in (BACKUPS / profile).glob("*") if (p / MANIFEST).exists()), reverse=True)
    if not complete:
        raise CommandError(f"no complete backup under {BACKUPS / profile}/: run `make export-users` or pass BACKUP=")
    return complete[0]


def restore(args: argparse.Namespace) -> int:
    backup = Path(args.backup) if args.backup else latest_backup(args.profile)
    manifest = verify(backup)
    pool_id = args.user_pool_id or pool_from_outputs(args.profile)
    if pool_id == manifest["source"]["user_pool_id"] and not args.dry_run:
        print(f"note: restoring into the pool the backup came from ({pool_id}); existing users are skipped")
    session = aws_session(args.profile, region_of(pool_id))
    call = Caller(session.client("cognito-idp", config=client_config()), limiter(args))
    target = describe_target(call, pool_id)
    work = backup / "import" / pool_id
    plan = build_csv(backup, target, work)
    problems = validate_csv(plan)
    import_report: dict[str, Any] = {"backup": str(backup), "user_pool_id": pool_id, "counts": plan.counts()}
    import_report.update(invalid=plan.invalid, dropped_attributes=plan.dropped_attributes, csv_problems=problems)
    (work / "import-report.json").write_text(dumps(import_report), encoding="utf-8")
    summary = ", ".join(f"{k} {v}" for k, v in plan.counts().items())
    print(f"CSV for {pool_id}: {summary}; report {work / 'import-report.json'}")
    if problems:
        raise CommandError(f"the CSV does not validate: {problems[0]} ({len(problems)} problems)")
    if args.dry_run:
        print("dry run: the CSV validates; nothing was sent to Cognito's import API")
        return 0
    jobs = [] if args.groups_only else import_users(args, session, call, target, plan)
    groups = restore_groups(call, target, backup, plan.identifiers, work / "groups-state.json", progress=progress_bar)
    disabled = [] if args.groups_only else restore_disabled(call, target, backup, plan.identifiers)
    import_report.update(jobs=[vars(j) for j in jobs], groups=vars(groups), disabled_again=len(disabled))
    (work / "import-report.json").write_text(dumps(import_report), encoding="utf-8")
    print(
        f"restored: {sum(j.imported for j in jobs)} users imported (each must reset the password), "
        f"{groups.added} group memberships ({len(groups.failed)} failed), {len(disabled)} users disabled again; "
        f"report {work / 'import-report.json'}"
    )
    return 0


def import_users(args: argparse.Namespace, session: Any, call: Caller, target: Any, plan: Any) -> list[Any]:
    """One import job per CSV file, one after the other (one job runs per account at a time)."""
    role = args.logs_role_arn
    if not role:
        raise CommandError("no CloudWatch Logs role for the import job: pass LOGS_ROLE=<arn> (docs/operations.md)")
    logs = session.client("logs", config=client_config())
    jobs = []
    for number, csv_file in enumerate(plan.files, start=1):
        name = f"restore-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{number}"
        job = run_job(call, target, csv_file, job_name=name, logs_role_arn=role, uploader=upload, progress=progress_bar)
        try:
            job.rows = failed_rows(logs, target, job.job_id, csv_file)
        except ClientError as error:
            print(f"could not read the job's log ({error_code(error)}): see {log_group(target)}", file=sys.stderr)
        jobs.append(job)
        print(f"job {job.job_id}: {job.status}, imported {job.imported}, skipped {job.skipped}, failed {job.failed}")
        for row in job.rows[:20]:
            print(f"  line {row['line']} {row.get('username')}: {row['status']} {row['reason']}")
        if job.status != "Succeeded":
            raise CommandError(f"import job {job.job_id} ended {job.status}: {job.message}")
    return jobs


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m scripts.user_backup", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    for name in ("export", "import"):
        command = commands.add_parser(name)
        command.add_argument("--profile", default="dev")
        command.add_argument("--user-pool-id", help="default: UserPoolId in outputs/<profile>.json")
        command.add_argument("--quota-share", type=float, default=DEFAULT_SHARE, help="share of each quota to use")
        command.add_argument("--quota", action="append", help="your account's quota, e.g. UserRead=200")
    exporting = commands.choices["export"]
    exporting.add_argument("--fresh", action="store_true", help="start a new backup instead of resuming")
    exporting.add_argument("--no-mfa", action="store_true", help="skip MFA settings (one AdminGetUser per user)")
    exporting.add_argument("--workers", type=int, default=8)
    importing = commands.choices["import"]
    importing.add_argument("--backup", help="backup folder; default: the newest complete one of the profile")
    importing.add_argument("--logs-role-arn", help="CloudWatch Logs role of the import job")
    importing.add_argument("--dry-run", action="store_true", help="build and validate the CSV only")
    importing.add_argument(
        "--groups-only", action="store_true", help="only re-apply group memberships (users migrated by the trigger)"
    )
    commands.add_parser("estimate", help="time of each step at 10k, 100k and 1M users, from the quotas")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "estimate":
            print(estimate_table())
            return 0
        return export(args) if args.command == "export" else restore(args)
    except KeyboardInterrupt:
        print("\ninterrupted: run the same command again to resume", file=sys.stderr)
        return 130
    except ConfigError as error:
        report(error)
    except (CommandError, BackupError, RestoreError, AwsEnvError) as error:
        print(f"{args.command}: {error}", file=sys.stderr)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        print(f"{args.command}: AWS refused {error.operation_name}: {error_code(error)} {message}", file=sys.stderr)
    except BotoCoreError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
