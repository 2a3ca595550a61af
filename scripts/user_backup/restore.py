"""`make import-users`: a backup into a user pool through Cognito's CSV import, then its group memberships.

Every rule below is from the developer guide, "Importing users into a user pool from a CSV file" and its
pages "Creating the user import CSV file", "Creating and running the import job", "Viewing the import results
in the CloudWatch console":
- The header is the pool's own (GetCSVHeader); every column must be present, in any order; values may be empty.
- Required per row: cognito:username (unique, no spaces or tabs), cognito:mfa_enabled (TRUE when the pool
  requires MFA, FALSE when it is off, either when optional), and email_verified or phone_number_verified true
  (with the email or phone number it verifies), and every attribute the pool requires.
- Values are not quoted; a comma inside a value is escaped with a backslash. UTF-8 without BOM. birthdate is
  mm/dd/yyyy; updated_at is epoch seconds. A row holds at most 16,000 characters; a file at most 500,000 users
  and 100 MB. Leading and trailing white space is trimmed by Cognito.
- CreateUserImportJob returns a presigned URL valid for 15 minutes: PUT the file to it with
  `x-amz-server-side-encryption: aws:kms`. One import job runs per account at a time. Status: Created, Pending,
  InProgress, Stopping, Stopped, Succeeded, Failed, Expired.
- Cognito writes one line per row to CloudWatch Logs, group `/aws/cognito/userpools/<pool id>/<pool name>`,
  stream `<job id>/<job name>`: `[SUCCEEDED|SKIPPED|FAILED] Line Number <n> - <reason>`, through the
  CloudWatch Logs role the job names (trusted by cognito-idp.amazonaws.com; docs/operations.md shows it).
- Imported users are RESET_REQUIRED: they must reset their password (or sign in passwordless, where the pool
  allows it) before they can sign in.

Our own choices, where the guide is silent: `cognito:username` is the email in a pool that signs in with the
email (the pool then makes its own user name), the original user name otherwise; a value that the escaping
cannot carry (a line break, a trailing backslash, a leading double quote) makes its row invalid rather than
guessed at; users of federated providers only are left out (they come back at their next federated sign-in).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from scripts.user_backup.backup_files import dumps, read_jsonl
from scripts.user_backup.calls import Caller, error_code
from scripts.user_backup.export import NoProgress, ProgressFactory
from scripts.user_backup.quotas import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, PAGE_SIZE

USERNAME = "cognito:username"
MFA_ENABLED = "cognito:mfa_enabled"
MAX_ROW_CHARS = 16_000
FINISHED = frozenset({"Succeeded", "Failed", "Stopped", "Expired"})
_LOG_LINE = re.compile(r"\[(?P<status>SUCCEEDED|SKIPPED|FAILED)\] Line Number (?P<line>\d+) - (?P<reason>.*)")


class RestoreError(Exception):
    """The restore cannot go on; the message is one line."""


@dataclass(frozen=True)
class TargetPool:
    """What the CSV depends on in the pool that receives the users."""

    user_pool_id: str
    name: str
    header: tuple[str, ...]
    username_attributes: tuple[str, ...]
    mfa: str  # OFF | ON | OPTIONAL
    required: tuple[str, ...]


def describe_target(call: Caller, pool_id: str) -> TargetPool:
    header = call("GetCSVHeader", UserPoolId=pool_id)["CSVHeader"]
    pool = call("DescribeUserPool", UserPoolId=pool_id)["UserPool"]
    required = tuple(a["Name"] for a in pool.get("SchemaAttributes", []) if a.get("Required") and a["Name"] in header)
    return TargetPool(
        user_pool_id=pool_id,
        name=pool.get("Name", ""),
        header=tuple(header),
        username_attributes=tuple(pool.get("UsernameAttributes", [])),
        mfa=pool.get("MfaConfiguration", "OFF"),
        required=required,
    )


# --- the CSV -------------------------------------------------------------------------------------------------


def escape(value: str) -> str:
    return value.replace(",", "\\,")


def split_row(line: str) -> list[str]:
    """The inverse of the row writer: split at unescaped commas, unescape `\\,`."""
    return [field.replace("\\,", ",") for field in re.split(r"(?<!\\),", line)]


def _unrepresentable(value: str) -> str | None:
    if "\n" in value or "\r" in value:
        return "contains a line break"
    if value.endswith("\\"):
        return "ends with a backslash (it would escape the next comma)"
    if value.startswith('"'):
        return "starts with a double quote (values are never quoted)"
    if value != value.strip():
        return "has leading or trailing white space (Cognito would trim it)"
    return None


def _birthdate(value: str) -> str:
    """The OIDC YYYY-MM-DD form the pool stores -> the import's mm/dd/yyyy; other forms pass unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    return f"{match[2]}/{match[3]}/{match[1]}" if match else value


def csv_identifier(user: dict[str, Any], target: TargetPool) -> str:
    """The cognito:username of a user: the email where the pool signs in with the email (see module docstring)."""
    if "email" in target.username_attributes:
        return str(user["attributes"].get("email", ""))
    if "phone_number" in target.username_attributes and "email" not in user["attributes"]:
        return str(user["attributes"].get("phone_number", ""))
    return str(user["username"])


def csv_row(user: dict[str, Any], target: TargetPool) -> tuple[dict[str, str], list[str]]:
    """(column -> value, problems) for one backed-up user; a row with problems is not imported."""
    attributes = user["attributes"]
    row = dict.fromkeys(target.header, "")
    problems = []
    for name, value in attributes.items():
        if name in row and name not in (USERNAME, MFA_ENABLED):
            row[name] = _birthdate(value) if name == "birthdate" else value
    for verified in ("email_verified", "phone_number_verified"):
        if row.get(verified):
            row[verified] = row[verified].upper()
    row[USERNAME] = csv_identifier(user, target)
    row[MFA_ENABLED] = "TRUE" if target.mfa == "ON" else "FALSE"
    if not row[USERNAME] or any(c in row[USERNAME] for c in " \t"):
        problems.append("cognito:username is empty or has spaces or tabs")
    verified_email = row.get("email_verified") == "TRUE" and row.get("email")
    verified_phone = row.get("phone_number_verified") == "TRUE" and row.get("phone_number")
    if not (verified_email or verified_phone):
        problems.append("neither a verified email nor a verified phone number")
    problems += [f"required attribute {name} is empty" for name in target.required if not row.get(name)]
    for column, value in row.items():
        reason = _unrepresentable(value)
        if reason:
            problems.append(f"{column} {reason}")
    return row, problems


def format_row(row: dict[str, str], header: tuple[str, ...]) -> str:
    return ",".join(escape(row[column]) for column in header)


@dataclass
class CsvFile:
    path: Path
    rows: int = 0
    bytes: int = 0


@dataclass
class CsvPlan:
    """The CSV files of a restore and what was left out of them, with reasons."""

    target: TargetPool
    files: list[CsvFile] = field(default_factory=list)
    users_in_backup: int = 0
    federated: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    dropped_attributes: dict[str, int] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)  # backup user name -> identifier in the new pool

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    def counts(self) -> dict[str, int]:
        return {
            "users_in_backup": self.users_in_backup,
            "rows": self.rows,
            "files": len(self.files),
            "federated_left_out": self.federated,
            "invalid_left_out": len(self.invalid),
        }


class _CsvWriter:
    """Writes rows into import-NNN.csv files, starting a new file before one would pass a limit."""

    def __init__(self, out_dir: Path, header: tuple[str, ...], files: list[CsvFile], max_rows: int, max_bytes: int):
        self._out_dir, self._files = out_dir, files
        self._header = (",".join(header) + "\n").encode("utf-8")
        self._max_rows, self._max_bytes = max_rows, max_bytes
        self._current: CsvFile | None = None
        self._handle: Any = None

    def write(self, line: bytes) -> None:
        current = self._current
        if current is None or current.rows >= self._max_rows or current.bytes + len(line) > self._max_bytes:
            self.close()
            current = self._current = CsvFile(self._out_dir / f"import-{len(self._files) + 1:03d}.csv")
            self._files.append(current)
            self._handle = current.path.open("wb")
            self._handle.write(self._header)
            current.bytes = len(self._header)
        self._handle.write(line)
        current.rows += 1
        current.bytes += len(line)

    def close(self) -> None:
        if self._handle:
            self._handle.close()
            self._handle = None


def _importable_line(user: dict[str, Any], plan: CsvPlan, seen: set[str]) -> bytes | None:
    """The CSV line of a user, or None after recording why the user cannot be imported."""
    target = plan.target
    row, problems = csv_row(user, target)
    for name in user["attributes"]:
        if name not in target.header and name not in ("sub", "identities"):
            plan.dropped_attributes[name] = plan.dropped_attributes.get(name, 0) + 1
    line = (format_row(row, target.header) + "\n").encode("utf-8")
    if len(line) - 1 > MAX_ROW_CHARS:
        problems.append(f"the row is longer than {MAX_ROW_CHARS} characters")
    if row[USERNAME].lower() in seen:
        problems.append("another user of the backup has the same cognito:username")
    if problems:
        plan.invalid.append({"username": user["username"], "problems": problems})
        return None
    seen.add(row[USERNAME].lower())
    plan.identifiers[user["username"]] = row[USERNAME]
    return line


def build_csv(
    backup: Path,
    target: TargetPool,
    out_dir: Path,
    *,
    max_rows: int = MAX_IMPORT_ROWS,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> CsvPlan:
    """Stream users.jsonl into import CSV files of at most `max_rows` users and `max_bytes` each."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in out_dir.glob("import-*.csv"):
        old.unlink()
    plan = CsvPlan(target)
    writer = _CsvWriter(out_dir, target.header, plan.files, max_rows, max_bytes)
    seen: set[str] = set()
    try:
        for user in read_jsonl(backup / "users.jsonl"):
            plan.users_in_backup += 1
            if user["status"] == "EXTERNAL_PROVIDER":
                plan.federated += 1
                continue
            line = _importable_line(user, plan, seen)
            if line is not None:
                writer.write(line)
    finally:
        writer.close()
    return plan


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Parse an import CSV back (its header, then one dict a row), checking every row's field count."""
    with path.open(encoding="utf-8") as file:
        header = split_row(file.readline().rstrip("\n"))
        for number, line in enumerate(file, start=2):
            fields = split_row(line.rstrip("\n"))
            if len(fields) != len(header):
                raise RestoreError(f"{path}:{number}: {len(fields)} fields, the header has {len(header)}")
            yield dict(zip(header, fields, strict=True))


def validate_csv(plan: CsvPlan) -> list[str]:
    """Every file read back against the pool's header and the rules; [] when the CSV is valid."""
    problems = []
    expected = set(plan.target.header)
    rows = 0
    for csv_file in plan.files:
        raw = csv_file.path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            problems.append(f"{csv_file.path.name}: starts with a byte order mark")
        if len(raw) > MAX_IMPORT_BYTES:
            problems.append(f"{csv_file.path.name}: larger than {MAX_IMPORT_BYTES} bytes")
        with csv_file.path.open(encoding="utf-8") as file:
            header = split_row(file.readline().rstrip("\n"))
        if set(header) != expected or len(header) != len(expected):
            problems.append(f"{csv_file.path.name}: header differs from the pool's GetCSVHeader")
        count = 0
        for row in read_csv(csv_file.path):
            count += 1
            if not row[USERNAME] or row[MFA_ENABLED] not in ("TRUE", "FALSE"):
                problems.append(f"{csv_file.path.name}: row {count} lacks cognito:username or cognito:mfa_enabled")
        if count != csv_file.rows or count > MAX_IMPORT_ROWS:
            problems.append(f"{csv_file.path.name}: {count} rows, expected {csv_file.rows} (at most {MAX_IMPORT_ROWS})")
        rows += count
    if rows + plan.federated + len(plan.invalid) != plan.users_in_backup:
        problems.append(
            f"counts do not add up: {rows} rows + {plan.federated} federated + {len(plan.invalid)} invalid "
            f"!= {plan.users_in_backup} users in the backup"
        )
    return problems


# --- the import job ------------------------------------------------------------------------------------------

Uploader = Callable[[str, Path], None]


def upload(url: str, path: Path, *, timeout: float = 300, allow_loopback_http: bool = False) -> None:
    """PUT the CSV to the job's presigned URL, as the developer guide's curl example does."""
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost")
    if parts.scheme != "https" and not (allow_loopback_http and loopback and parts.scheme == "http"):
        raise RestoreError("the import job's presigned URL is not https")
    size = path.stat().st_size
    with path.open("rb") as body:
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=body,
            method="PUT",
            headers={"x-amz-server-side-encryption": "aws:kms", "Content-Length": str(size)},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if response.status not in (200, 204):
                raise RestoreError(f"upload of {path.name} failed: HTTP {response.status}")


@dataclass
class JobResult:
    job_id: str
    status: str
    imported: int
    skipped: int
    failed: int
    message: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # failed and skipped rows, with reasons


def run_job(
    call: Caller,
    target: TargetPool,
    csv_file: CsvFile,
    *,
    job_name: str,
    logs_role_arn: str,
    uploader: Uploader,
    progress: ProgressFactory = lambda label, total: NoProgress(),
    poll_seconds: float = 10,
    sleep: Callable[[float], None] = time.sleep,
) -> JobResult:
    job = call(
        "CreateUserImportJob",
        JobName=job_name,
        UserPoolId=target.user_pool_id,
        CloudWatchLogsRoleArn=logs_role_arn,
    )["UserImportJob"]
    uploader(job["PreSignedUrl"], csv_file.path)
    job = call("StartUserImportJob", UserPoolId=target.user_pool_id, JobId=job["JobId"])["UserImportJob"]
    bar = progress(f"import {csv_file.path.name}", csv_file.rows)
    done = 0
    try:
        while job["Status"] not in FINISHED:
            sleep(poll_seconds)
            job = call("DescribeUserImportJob", UserPoolId=target.user_pool_id, JobId=job["JobId"])["UserImportJob"]
            now = job.get("ImportedUsers", 0) + job.get("SkippedUsers", 0) + job.get("FailedUsers", 0)
            bar.update(now - done)
            done = now
    finally:
        bar.close()
    return JobResult(
        job_id=job["JobId"],
        status=job["Status"],
        imported=job.get("ImportedUsers", 0),
        skipped=job.get("SkippedUsers", 0),
        failed=job.get("FailedUsers", 0),
        message=job.get("CompletionMessage", ""),
    )


def log_group(target: TargetPool) -> str:
    return f"/aws/cognito/userpools/{target.user_pool_id}/{target.name}"


def failed_rows(logs: Any, target: TargetPool, job_id: str, csv_file: CsvFile) -> list[dict[str, Any]]:
    """The job's FAILED and SKIPPED lines from CloudWatch Logs, each with the user it names (by CSV line)."""
    found: dict[int, dict[str, Any]] = {}
    params = {
        "logGroupName": log_group(target),
        "logStreamNamePrefix": f"{job_id}/",
        "filterPattern": "?FAILED ?SKIPPED",
    }
    while True:
        page = logs.filter_log_events(**params)
        for event in page.get("events", []):
            match = _LOG_LINE.search(event.get("message", ""))
            if match and match["status"] != "SUCCEEDED":
                found[int(match["line"])] = {
                    "line": int(match["line"]),
                    "status": match["status"],
                    "reason": match["reason"],
                }
        if not page.get("nextToken"):
            break
        params["nextToken"] = page["nextToken"]
    if found:
        # Cognito counts the header as line 1 (an assumption the first real import confirms: the user names
        # are read from that line of the file, so a shifted count shows as the wrong user, never a silent gap).
        with csv_file.path.open(encoding="utf-8") as file:
            column = split_row(file.readline().rstrip("\n")).index(USERNAME)
            for number, line in enumerate(file, start=2):
                if number in found:
                    found[number]["username"] = split_row(line.rstrip("\n"))[column]
    return [found[n] for n in sorted(found)]


# --- group memberships -----------------------------------------------------------------------------------


@dataclass
class GroupResult:
    created_groups: list[str] = field(default_factory=list)
    added: int = 0
    left_out: int = 0  # memberships of users not in the CSV (federated, invalid)
    failed: list[dict[str, str]] = field(default_factory=list)


def restore_groups(
    call: Caller,
    target: TargetPool,
    backup: Path,
    identifiers: dict[str, str],
    state_file: Path,
    *,
    progress: ProgressFactory = lambda label, total: NoProgress(),
) -> GroupResult:
    """Create the groups the pool lacks, then add every imported user to their groups again.

    AdminAddUserToGroup is idempotent, and the position in memberships.jsonl is checkpointed every page of
    60, so an interrupted run goes on where it stopped (a million memberships take hours: docs/operations.md).
    """
    result = GroupResult()
    existing = set()
    token = None
    while True:
        page = call(
            "ListGroups", UserPoolId=target.user_pool_id, Limit=PAGE_SIZE, **({"NextToken": token} if token else {})
        )
        existing |= {g["GroupName"] for g in page.get("Groups", [])}
        token = page.get("NextToken")
        if not token:
            break
    for group in read_jsonl(backup / "groups.jsonl"):
        if group["GroupName"] not in existing:
            # Without RoleArn: the old pool's roles belong to its stack; set them in config (groups[]).
            params = {k: group[k] for k in ("Description", "Precedence") if group.get(k) is not None}
            call("CreateGroup", UserPoolId=target.user_pool_id, GroupName=group["GroupName"], **params)
            result.created_groups.append(group["GroupName"])
    done = json.loads(state_file.read_text(encoding="utf-8"))["memberships_done"] if state_file.exists() else 0
    bar = progress("group memberships", None)
    try:
        for index, membership in enumerate(read_jsonl(backup / "memberships.jsonl")):
            if index < done:
                continue
            identifier = identifiers.get(membership["username"])
            if identifier is None:
                result.left_out += 1
            else:
                try:
                    call(
                        "AdminAddUserToGroup",
                        UserPoolId=target.user_pool_id,
                        Username=identifier,
                        GroupName=membership["group"],
                    )
                    result.added += 1
                except ClientError as error:
                    result.failed.append({"group": membership["group"], "user": identifier, "error": error_code(error)})
            bar.update(1)
            if (index + 1) % PAGE_SIZE == 0:
                state_file.write_text(dumps({"memberships_done": index + 1}), encoding="utf-8")
    finally:
        bar.close()
    state_file.unlink(missing_ok=True)
    return result


def restore_disabled(call: Caller, target: TargetPool, backup: Path, identifiers: dict[str, str]) -> list[str]:
    """Disable again the imported users the backup holds as disabled (the CSV has no enabled column)."""
    disabled = []
    for user in read_jsonl(backup / "users.jsonl"):
        identifier = identifiers.get(user["username"])
        if user.get("enabled") is False and identifier is not None:
            call("AdminDisableUser", UserPoolId=target.user_pool_id, Username=identifier)
            disabled.append(identifier)
    return disabled
