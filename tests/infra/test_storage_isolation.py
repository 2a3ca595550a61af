"""Proof of per-user storage isolation, offline (SECURITY.md: Identity pool and IAM, Storage).

The synthesized policies of each role (inline, `AWS::IAM::Policy` and attached customer-managed
policies, found through the template's references) and the data bucket's policy are evaluated by a
real IAM policy evaluator (@cloud-copilot/iam-simulate), which resolves `${aws:PrincipalTag/sub}`
and the conditions. User A's session carries the session tag `sub` = A, as the identity pool sets it
from the ID token. Every profile's requests run in one Node process (see iam_eval.py).

What config grants beyond the own prefix (admins reading all of private/, public/ reads) is read
from the profile's config, so each expectation below is "exactly what config grants, nothing else".
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.groups import group_logical_id
from tests.infra.iam_eval import (
    ALLOWED,
    EXPLICIT,
    IMPLICIT,
    Decision,
    Env,
    IamCaseCounts,
    Request,
    ResolveError,
    SimulationError,
    Stacks,
    Subject,
    applicable_actions,
    evaluate,
    evaluate_many,
)
from tests.support import Synth

pytestmark = pytest.mark.xdist_group("storage-isolation")


ENV = Env()
A = "7c9e6679-7425-40de-944b-e07fc1f90ae7"  # user A's sub (the session tag)
B = "16fd2706-8baf-433b-82eb-8c7fada847da"  # another user
BUCKET = ENV.bucket_arn()
OTHER_BUCKET = "arn:aws:s3:::someone-elses-bucket"
POOL = ENV.user_pool_arn()
OTHER_POOL = f"arn:aws:cognito-idp:{ENV.region}:{ENV.account}:userpool/{ENV.region}_OtherPool"
TABLE = ENV.table_arn()
OTHER_TABLE = f"arn:aws:dynamodb:{ENV.region}:{ENV.account}:table/someone-elses-table"
IDENTITY_POOL = ENV.identity_pool_arn()
OTHER_IDENTITY_POOL = f"arn:aws:cognito-identity:{ENV.region}:{ENV.account}:identitypool/{ENV.region}:other"
LEADING_KEYS = "dynamodb:LeadingKeys"
TAG = f"aws:PrincipalTag/{names.SUB_TAG}"
LITERAL_VARIABLE = "${" + TAG + "}"  # the policy variable, sent verbatim as a key segment
GET, PUT, DELETE = "s3:GetObject", "s3:PutObject", "s3:DeleteObject"
OBJECT_RW = frozenset({GET, PUT, DELETE})


def obj(key: str, bucket: str = BUCKET) -> str:
    return f"{bucket}/{key}"


def context(sub: str | None = A, **keys: str) -> dict[str, str]:
    """Over TLS; with the session tag `sub` unless sub is None."""
    return {"aws:SecureTransport": "true", **({TAG: sub} if sub is not None else {}), **keys}


@dataclass(frozen=True)
class Grants:
    """What config grants a subject beyond its own prefix and partition."""

    read_all_private: bool = False
    public_read: bool = False
    read_all_records: bool = False


# An expectation: a fixed decision, or the name of a grant ("Allowed if config grants it").
Expect = Decision | str


@dataclass(frozen=True)
class Case:
    id: str
    request: Request
    expect: Expect

    def expected(self, grants: Grants) -> Decision:
        if self.expect in (ALLOWED, IMPLICIT, EXPLICIT):
            return self.expect
        return ALLOWED if getattr(grants, self.expect) else IMPLICIT


def objects(
    id_: str, key: str, *, get: Expect, put_delete: Expect = IMPLICIT, sub: str | None = A, bucket: str = BUCKET
) -> list[Case]:
    """The same key read, written and deleted."""
    verbs = {"get": (GET, get), "put": (PUT, put_delete), "delete": (DELETE, put_delete)}
    return [
        Case(f"{verb}-{id_}", Request(action, obj(key, bucket), context(sub)), exp)
        for verb, (action, exp) in verbs.items()
    ]


def listing(id_: str, prefix: str | None, expect: Expect, *, sub: str | None = A, bucket: str = BUCKET) -> Case:
    keys = {"s3:prefix": prefix} if prefix is not None else {}
    return Case(f"list-{id_}", Request("s3:ListBucket", bucket, context(sub, **keys)), expect)


GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                               "dynamodb:DeleteItem")  # fmt: skip
QUERY, BATCH_GET, BATCH_WRITE, SCAN = (
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Scan",
)
RECORD_READS = (GET_ITEM, QUERY, BATCH_GET)
RECORD_WRITES = (PUT_ITEM, UPDATE_ITEM, DELETE_ITEM, BATCH_WRITE)
OWN_RECORDS = frozenset({*RECORD_READS, *RECORD_WRITES})


def record(id_: str, action: str, keys: list[str] | None, expect: Expect, *, sub: str | None = A,
           table: str = TABLE) -> Case:  # fmt: skip
    """One request on the records table; `keys` is dynamodb:LeadingKeys, every partition key it touches."""
    extra = {LEADING_KEYS: keys} if keys is not None else {}
    return Case(f"{action.split(':')[1]}-{id_}", Request(action, table, {**context(sub), **extra}), expect)


def records(id_: str, keys: list[str] | None, *, reads: Expect, writes: Expect = IMPLICIT,
            sub: str | None = A, table: str = TABLE) -> list[Case]:  # fmt: skip
    """Every granted record action on the same partition keys."""
    return [
        *(record(id_, action, keys, reads, sub=sub, table=table) for action in RECORD_READS),
        *(record(id_, action, keys, writes, sub=sub, table=table) for action in RECORD_WRITES),
    ]


# Identity-pool roles of signed-in users on the records table: the caller's own partition, and only it.
USER_RECORD_CASES = [
    *records("own-partition", [A], reads=ALLOWED, writes=ALLOWED),
    # A batch touching only the caller's partition, several items of it.
    *records("own-partition-several-items", [A, A], reads=ALLOWED, writes=ALLOWED),
    # The variable really is resolved per session: B's session gets B's partition, not A's.
    *records("other-user-partition-as-that-user", [B], reads=ALLOWED, writes=ALLOWED, sub=B),
    *records("own-partition-as-other-user", [A], reads="read_all_records", sub=B),
    # Another user's partition; a batch or a query whose keys name another sub as well as the caller's.
    *records("other-user-partition", [B], reads="read_all_records"),
    *records("own-and-other-user-partition", [A, B], reads="read_all_records"),
    *records("other-and-own-partition", [B, A], reads="read_all_records"),
    *records("own-sub-uppercased", [A.upper()], reads="read_all_records"),
    *records("own-sub-with-suffix", [f"{A}x"], reads="read_all_records"),
    *records("empty-partition-key", [""], reads="read_all_records"),
    *records("literal-variable-key", [LITERAL_VARIABLE], reads="read_all_records"),
    # No dynamodb:LeadingKeys in the request: ForAllValues alone would be true; the Null guard denies.
    *records("without-partition-keys", None, reads="read_all_records"),
    # A session without the sub tag: nothing beyond what config grants to everyone in the role.
    *records("untagged-own-partition", [A], reads="read_all_records", sub=None),
    *records("untagged-literal-variable-key", [LITERAL_VARIABLE], reads="read_all_records", sub=None),
    *records("untagged-without-partition-keys", None, reads="read_all_records", sub=None),
    *records("own-partition-in-other-table", [A], reads=IMPLICIT, table=OTHER_TABLE),
    # Never granted: a full scan, PartiQL, transactions' condition checks, the table's own settings.
    record("whole-table", SCAN, None, IMPLICIT),
    *(
        record("own-partition", action, [A], IMPLICIT)
        for action in (
            "dynamodb:PartiQLSelect",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete",
            "dynamodb:ConditionCheckItem",
        )
    ),
    record("own-partition", "dynamodb:DeleteTable", None, IMPLICIT),
]

# Multipart-upload actions on the caller's own objects (resume and clean up).
OWN_MULTIPART = frozenset({"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"})

# Identity-pool roles of signed-in users: the authenticated role and every group role.
USER_CASES = [
    *objects("own-object", f"private/{A}/notes.txt", get=ALLOWED, put_delete=ALLOWED),
    *objects("own-nested-object", f"private/{A}/photos/2024/cat.jpg", get=ALLOWED, put_delete=ALLOWED),
    Case(
        "abort-upload-own-object", Request("s3:AbortMultipartUpload", obj(f"private/{A}/big.bin"), context()), ALLOWED
    ),
    # The variable really is resolved per session: B's session gets B's prefix, not A's.
    *objects("other-user-object-as-that-user", f"private/{B}/notes.txt", get=ALLOWED, put_delete=ALLOWED, sub=B),
    *objects("own-object-as-other-user", f"private/{A}/notes.txt", get="read_all_private", sub=B),
    *objects("other-user-object", f"private/{B}/notes.txt", get="read_all_private"),
    Case(
        "abort-upload-other-user-object",
        Request("s3:AbortMultipartUpload", obj(f"private/{B}/big.bin"), context()),
        IMPLICIT,
    ),
    *objects("sibling-prefix-object", f"private/{A}x/notes.txt", get="read_all_private"),
    *objects("object-named-like-own-prefix", f"private/{A}", get="read_all_private"),
    *objects("own-sub-uppercased", f"private/{A.upper()}/notes.txt", get="read_all_private"),
    *objects("literal-variable-key", f"private/{LITERAL_VARIABLE}/notes.txt", get="read_all_private"),
    *objects("private-root-object", "private/notes.txt", get="read_all_private"),
    *objects("bucket-root-object", "file.txt", get=IMPLICIT),
    *objects("public-object", "public/x", get="public_read"),
    *objects("other-top-level-prefix", "other/x", get=IMPLICIT),
    *objects("capitalised-private-prefix", f"Private/{A}/notes.txt", get=IMPLICIT),
    *objects("own-prefix-nested-elsewhere", f"other/private/{A}/notes.txt", get=IMPLICIT),
    *objects("own-key-in-other-bucket", f"private/{A}/notes.txt", get=IMPLICIT, bucket=OTHER_BUCKET),
    # A session without the sub tag: nothing under private/ beyond what config grants to everyone in the role.
    *objects("untagged-own-object", f"private/{A}/notes.txt", get="read_all_private", sub=None),
    *objects(
        "untagged-literal-variable-key", f"private/{LITERAL_VARIABLE}/notes.txt", get="read_all_private", sub=None
    ),
    *objects("untagged-empty-segment", "private//notes.txt", get="read_all_private", sub=None),
    listing("own-prefix", f"private/{A}/", ALLOWED),
    listing("own-subfolder", f"private/{A}/photos/", ALLOWED),
    listing("own-prefix-without-slash", f"private/{A}", "read_all_private"),
    listing("sibling-prefix", f"private/{A}x/", "read_all_private"),
    listing("other-user-prefix", f"private/{B}/", "read_all_private"),
    listing("private-root", "private/", "read_all_private"),
    listing("wildcard-in-prefix", "private/*", "read_all_private"),
    listing("empty-prefix", "", IMPLICIT),
    listing("without-prefix", None, IMPLICIT),
    listing("public-prefix", "public/", IMPLICIT),
    listing("own-prefix-in-other-bucket", f"private/{A}/", IMPLICIT, bucket=OTHER_BUCKET),
    listing("untagged-literal-variable-prefix", f"private/{LITERAL_VARIABLE}/", "read_all_private", sub=None),
    listing("untagged-empty-segment", "private//", "read_all_private", sub=None),
    Case(
        "list-versions-own-prefix",
        Request("s3:ListBucketVersions", BUCKET, context(**{"s3:prefix": f"private/{A}/"})),
        IMPLICIT,
    ),
]

# The guest role (identity pool with unauthenticated identities): public/ reads if config grants them.
GUEST_CASES = [
    *objects("public-object", "public/x", get="public_read", sub=None),
    *objects("private-object", f"private/{A}/notes.txt", get=IMPLICIT, sub=None),
    *objects("literal-variable-key", f"private/{LITERAL_VARIABLE}/notes.txt", get=IMPLICIT, sub=None),
    *objects("private-object-with-a-sub-tag", f"private/{A}/notes.txt", get=IMPLICIT),
    *objects("bucket-root-object", "file.txt", get=IMPLICIT, sub=None),
    *objects("other-top-level-prefix", "other/x", get=IMPLICIT, sub=None),
    listing("without-prefix", None, IMPLICIT, sub=None),
    listing("public-prefix", "public/", IMPLICIT, sub=None),
    listing("private-root", "private/", IMPLICIT, sub=None),
    listing("own-prefix-with-a-sub-tag", f"private/{A}/", IMPLICIT),
]

API_RECORD_ACTIONS = (GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM, QUERY)
ERASURE_RECORD_ACTIONS = frozenset({QUERY, BATCH_WRITE})
ERASURE_OBJECT_ACTIONS = frozenset({"s3:DeleteObjectVersion", "s3:AbortMultipartUpload"})

# Account erasure (the API function and the erasure worker): every version and unfinished upload under private/,
# a partition's items, an identity of this identity pool, a user of this pool; nothing else.
ERASURE_CASES = [
    Case("delete-version-user-object", Request("s3:DeleteObjectVersion", obj(f"private/{A}/a.txt"), context(None)),
         ALLOWED),
    Case("abort-upload-user-object", Request("s3:AbortMultipartUpload", obj(f"private/{A}/a.bin"), context(None)),
         ALLOWED),
    Case("delete-version-public-object", Request("s3:DeleteObjectVersion", obj("public/x"), context(None)), IMPLICIT),
    Case("delete-version-root-object", Request("s3:DeleteObjectVersion", obj("file.txt"), context(None)), IMPLICIT),
    Case("delete-version-other-bucket",
         Request("s3:DeleteObjectVersion", obj(f"private/{A}/a.txt", OTHER_BUCKET), context(None)), IMPLICIT),
    Case("list-versions-user-prefix",
         Request("s3:ListBucketVersions", BUCKET, context(None, **{"s3:prefix": f"private/{A}/"})), ALLOWED),
    Case("list-versions-without-prefix", Request("s3:ListBucketVersions", BUCKET, context(None)), IMPLICIT),
    Case("list-versions-public-prefix",
         Request("s3:ListBucketVersions", BUCKET, context(None, **{"s3:prefix": "public/"})), IMPLICIT),
    Case("list-unfinished-uploads", Request("s3:ListBucketMultipartUploads", BUCKET, context(None)), ALLOWED),
    Case("list-unfinished-uploads-other-bucket",
         Request("s3:ListBucketMultipartUploads", OTHER_BUCKET, context(None)), IMPLICIT),
    record("any-partition", QUERY, [B], ALLOWED, sub=None),
    record("any-partition", BATCH_WRITE, [A, B], ALLOWED, sub=None),
    record("other-table", BATCH_WRITE, [A], IMPLICIT, sub=None, table=OTHER_TABLE),
    record("whole-table", SCAN, None, IMPLICIT, sub=None),
    Case("delete-identity",
         Request("cognito-identity:DeleteIdentities", "*", {"cognito-identity:IdentityPoolArn": IDENTITY_POOL}),
         ALLOWED),
    Case("delete-identity-of-other-pool",
         Request("cognito-identity:DeleteIdentities", "*", {"cognito-identity:IdentityPoolArn": OTHER_IDENTITY_POOL}),
         IMPLICIT),
    Case("delete-identity-without-pool", Request("cognito-identity:DeleteIdentities", "*", {}), IMPLICIT),
    Case("delete-user", Request("cognito-idp:AdminDeleteUser", POOL, context(None)), ALLOWED),
    Case("delete-user-of-other-pool", Request("cognito-idp:AdminDeleteUser", OTHER_POOL, context(None)), IMPLICIT),
]  # fmt: skip

# The API function's role: any user's objects and records (the handler narrows to the caller's sub), ListUsers,
# and account erasure.
API_CASES = [
    *ERASURE_CASES,
    # Query and BatchWriteItem on any partition: in ERASURE_CASES.
    *(
        record("any-partition", action, [B], ALLOWED, sub=None)
        for action in (GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM)
    ),
    record("any-partition", BATCH_GET, [A], IMPLICIT, sub=None),
    *objects("user-object", f"private/{A}/notes.txt", get=ALLOWED, put_delete=ALLOWED, sub=None),
    *objects("other-user-object", f"private/{B}/notes.txt", get=ALLOWED, put_delete=ALLOWED, sub=None),
    *objects("bucket-root-object", "file.txt", get=IMPLICIT, sub=None),
    *objects("public-object", "public/x", get=IMPLICIT, sub=None),
    *objects("other-top-level-prefix", "other/x", get=IMPLICIT, sub=None),
    *objects("capitalised-private-prefix", f"Private/{A}/notes.txt", get=IMPLICIT, sub=None),
    *objects("user-key-in-other-bucket", f"private/{A}/notes.txt", get=IMPLICIT, sub=None, bucket=OTHER_BUCKET),
    listing("private-root", "private/", ALLOWED, sub=None),
    listing("user-prefix", f"private/{A}/", ALLOWED, sub=None),
    listing("empty-prefix", "", IMPLICIT, sub=None),
    listing("without-prefix", None, IMPLICIT, sub=None),
    listing("public-prefix", "public/", IMPLICIT, sub=None),
    Case("list-users", Request("cognito-idp:ListUsers", POOL, context(None)), ALLOWED),
    Case("list-users-of-other-pool", Request("cognito-idp:ListUsers", OTHER_POOL, context(None)), IMPLICIT),
    *(
        Case(f"{action.split(':')[1]}", Request(action, POOL, context(None)), IMPLICIT)
        for action in (
            "cognito-idp:AdminGetUser",
            "cognito-idp:AdminCreateUser",
            "cognito-idp:AdminUpdateUserAttributes",
            "cognito-idp:AdminAddUserToGroup",
            "cognito-idp:AdminSetUserPassword",
            "cognito-idp:DeleteUserPool",
        )
    ),
]


# The erasure worker: the erasure, and none of the API's reads and writes.
WORKER_CASES = [
    *ERASURE_CASES,
    *(record("any-partition", action, [A], IMPLICIT, sub=None) for action in (GET_ITEM, PUT_ITEM, UPDATE_ITEM)),
    *objects("user-object", f"private/{A}/notes.txt", get=IMPLICIT, sub=None),
    Case("list-users", Request("cognito-idp:ListUsers", POOL, context(None)), IMPLICIT),
]


@dataclass(frozen=True)
class Sweep:
    """Every action of SWEEP_SERVICES that acts on `resource`: exactly `allowed` may succeed. `keys`: the
    dynamodb:LeadingKeys of every request (actions without partition keys ignore them)."""

    id: str
    resource: str
    allowed: Callable[[Grants], frozenset[str]]
    sub: str | None = A
    keys: list[str] | None = None

    def requests(self, applicable: dict[str, list[str]]) -> list[Request]:
        keys = {LEADING_KEYS: self.keys} if self.keys is not None else {}
        lenient = frozenset(keys)
        return [
            Request(action, self.resource, {**context(self.sub), **keys}, lenient)
            for action in applicable[kind_of(self.resource)]
        ]


SWEEP_SERVICES = ("s3", "cognito-idp", "dynamodb", "cognito-identity")
# One resource of each kind: which actions act on it is the same for every resource of that kind.
KINDS = (obj("any/key"), BUCKET, POOL, TABLE, IDENTITY_POOL, "*")


def kind_of(resource: str) -> str:
    for kind in KINDS:
        if resource == kind or (kind == KINDS[0] and resource.startswith(f"{BUCKET}/")):
            return kind
    raise ValueError(f"no sweep kind for {resource}")


@functools.cache
def applicable() -> dict[str, list[str]]:
    return applicable_actions(SWEEP_SERVICES, KINDS, ENV.account)


def nothing(_: Grants) -> frozenset[str]:
    return frozenset()


def get_if(grant: str) -> Callable[[Grants], frozenset[str]]:
    return lambda grants: frozenset({GET}) if getattr(grants, grant) else frozenset()


def reads_if_all_records(grants: Grants) -> frozenset[str]:
    return frozenset(RECORD_READS) if grants.read_all_records else frozenset()


USER_SWEEPS = [
    Sweep("own-partition", TABLE, lambda _: OWN_RECORDS, keys=[A]),
    Sweep("other-user-partition", TABLE, reads_if_all_records, keys=[B]),
    Sweep("identity-pool", IDENTITY_POOL, nothing),
    Sweep("own-object", obj(f"private/{A}/notes.txt"), lambda _: OBJECT_RW | OWN_MULTIPART),
    Sweep("other-user-object", obj(f"private/{B}/notes.txt"), get_if("read_all_private")),
    Sweep("public-object", obj("public/x"), get_if("public_read")),
    Sweep("bucket-root-object", obj("file.txt"), nothing),
    Sweep("bucket-without-prefix", BUCKET, nothing),
    Sweep("user-pool", POOL, nothing),
    Sweep("any-resource", "*", nothing),
]
GUEST_SWEEPS = [
    Sweep("partition", TABLE, nothing, sub=None, keys=[A]),
    Sweep("identity-pool", IDENTITY_POOL, nothing, sub=None),
    Sweep("public-object", obj("public/x"), get_if("public_read"), sub=None),
    Sweep("private-object", obj(f"private/{A}/notes.txt"), nothing, sub=None),
    Sweep("bucket-without-prefix", BUCKET, nothing, sub=None),
    Sweep("user-pool", POOL, nothing, sub=None),
    Sweep("any-resource", "*", nothing, sub=None),
]
API_SWEEPS = [
    Sweep("user-object", obj(f"private/{A}/notes.txt"), lambda _: OBJECT_RW | ERASURE_OBJECT_ACTIONS, sub=None),
    Sweep("bucket-root-object", obj("file.txt"), nothing, sub=None),
    Sweep("public-object", obj("public/x"), nothing, sub=None),
    Sweep("bucket-without-prefix", BUCKET, lambda _: frozenset({"s3:ListBucketMultipartUploads"}), sub=None),
    Sweep("user-pool", POOL, lambda _: frozenset({"cognito-idp:ListUsers", "cognito-idp:AdminDeleteUser"}), sub=None),
    Sweep("any-partition", TABLE, lambda _: frozenset(API_RECORD_ACTIONS) | ERASURE_RECORD_ACTIONS, sub=None, keys=[B]),
    Sweep("identity-pool", IDENTITY_POOL, nothing, sub=None),
    Sweep("any-resource", "*", nothing, sub=None),
]
WORKER_SWEEPS = [
    Sweep("user-object", obj(f"private/{A}/notes.txt"), lambda _: ERASURE_OBJECT_ACTIONS, sub=None),
    Sweep("public-object", obj("public/x"), nothing, sub=None),
    Sweep("bucket-without-prefix", BUCKET, lambda _: frozenset({"s3:ListBucketMultipartUploads"}), sub=None),
    Sweep("user-pool", POOL, lambda _: frozenset({"cognito-idp:AdminDeleteUser"}), sub=None),
    Sweep("any-partition", TABLE, lambda _: ERASURE_RECORD_ACTIONS, sub=None, keys=[B]),
    Sweep("identity-pool", IDENTITY_POOL, nothing, sub=None),
    Sweep("any-resource", "*", nothing, sub=None),
]


@dataclass(frozen=True)
class Role:
    """A role under test: where it is and how its session is named."""

    name: str
    stack: str
    prefix: str  # logical-ID prefix (CDK appends a hash)
    session: str = "CognitoIdentityCredentials"
    cases: list[Case] = field(default_factory=lambda: [*USER_CASES, *USER_RECORD_CASES])
    sweeps: list[Sweep] = field(default_factory=lambda: USER_SWEEPS)

    def grants(self, config: AppConfig) -> Grants:
        if self.name == "guest":
            return Grants(public_read=config.identity.guest_public_read)
        if self.stack == "Api":
            return Grants()
        public = config.storage.authenticated_public_read
        group = next((g for g in config.groups if g.name == self.name), None)
        return Grants(
            read_all_private=bool(group and group.read_all_private),
            public_read=public,
            read_all_records=bool(group and group.read_all_records),
        )


def _group_role(group: str) -> Role:
    return Role(group, "Auth", f"IdentityPool{group_logical_id(group)}Role")


AUTHENTICATED = Role("authenticated", "Auth", "IdentityPoolAuthenticatedRole")
USER_ROLES = [AUTHENTICATED, _group_role(names.ADMIN_GROUP), _group_role(names.USERS_GROUP)]
GUEST_RECORD_CASES = [
    *records("partition", [A], reads=IMPLICIT, sub=None),
    *records("partition-with-a-sub-tag", [A], reads=IMPLICIT),
    record("whole-table", SCAN, None, IMPLICIT, sub=None),
]
GUEST = Role("guest", "Auth", "IdentityPoolGuestRole", cases=[*GUEST_CASES, *GUEST_RECORD_CASES], sweeps=GUEST_SWEEPS)
API = Role("api", "Api", "HttpApiHandlerRole", session="HttpApiHandlerFunction", cases=API_CASES, sweeps=API_SWEEPS)
WORKER = Role(
    "erasure-worker",
    "Api",
    "AccountErasureWorkerRole",
    session="AccountErasureWorkerFunction",
    cases=WORKER_CASES,
    sweeps=WORKER_SWEEPS,
)
SERVICE_ROLES = [API, WORKER]
ROLES_BY_PROFILE = {
    "dev": [*USER_ROLES, *SERVICE_ROLES],
    "prod": [*USER_ROLES, *SERVICE_ROLES],
    "full": [*USER_ROLES, GUEST, *SERVICE_ROLES],
}


def subject(synth: Synth, role: Role) -> Subject:
    stacks = Stacks(synth.templates, ENV)
    bucket_policy = stacks.bucket_policy("Auth", names.DATA_BUCKET)
    return stacks.subject(role.stack, stacks.role_id(role.stack, role.prefix), bucket_policy, role.session)


def http_variants(cases: list[Case]) -> list[Case]:
    """The requests to the data bucket again over plain HTTP: explicitly denied, whatever the grant."""
    return [
        Case(
            f"{c.id}-over-http",
            replace(c.request, context={**c.request.context, "aws:SecureTransport": "false"}),
            EXPLICIT,
        )
        for c in cases
        if c.request.resource == BUCKET or c.request.resource.startswith(f"{BUCKET}/")
    ]


@dataclass
class Results:
    """Decisions of one profile: by (role, case id), and per sweep by (role, sweep id) and action."""

    cases: dict[tuple[str, str], Decision | None] = field(default_factory=dict)
    sweeps: dict[tuple[str, str], dict[str, Decision | None]] = field(default_factory=dict)


_RESULTS: dict[str, Results] = {}


def results(synth: Synth) -> Results:
    """Every case, plain-HTTP variant and sweep of every role of a profile, from one Node process."""
    if synth.profile not in _RESULTS:
        plan = []
        for role in ROLES_BY_PROFILE[synth.profile]:
            cases = [*role.cases, *http_variants(role.cases)]
            assert len({c.id for c in cases}) == len(cases), f"duplicate case ids for {role.name}"
            sweeps = [(sweep, sweep.requests(applicable())) for sweep in role.sweeps]
            requests = [c.request for c in cases] + [r for _, sweep_requests in sweeps for r in sweep_requests]
            plan.append((role, cases, sweeps, (subject(synth, role), requests)))
        found = Results()
        for (role, cases, sweeps, _), decisions in zip(plan, evaluate_many([p[3] for p in plan]), strict=True):
            decided = iter(decisions)
            found.cases.update({(role.name, case.id): next(decided) for case in cases})
            for sweep, sweep_requests in sweeps:
                found.sweeps[role.name, sweep.id] = {r.action: next(decided) for r in sweep_requests}
        _RESULTS[synth.profile] = found
    return _RESULTS[synth.profile]


def _params(pick: Callable[[Role], Sequence[Case | Sweep]]) -> list[Any]:
    return [
        pytest.param(profile, role, item, id=f"{profile}-{role.name}-{item.id}")
        for profile, roles in ROLES_BY_PROFILE.items()
        for role in roles
        for item in pick(role)
    ]


@pytest.mark.parametrize(("profile", "role", "case"), _params(lambda role: role.cases))
def test_request(request: pytest.FixtureRequest, profile: str, role: Role, case: Case) -> None:
    synth: Synth = request.getfixturevalue(profile)
    expected = case.expected(role.grants(synth.config))
    assert results(synth).cases[role.name, case.id] == expected, f"{case.request} should be {expected}"


@pytest.mark.parametrize(
    ("profile", "role"),
    [pytest.param(p, r, id=f"{p}-{r.name}") for p, roles in ROLES_BY_PROFILE.items() for r in roles],
)
def test_plain_http_is_explicitly_denied_by_the_bucket_policy(
    request: pytest.FixtureRequest, profile: str, role: Role
) -> None:
    synth: Synth = request.getfixturevalue(profile)
    found = results(synth).cases
    http = http_variants(role.cases)
    assert http
    assert {c.id: found[role.name, c.id] for c in http} == {c.id: EXPLICIT for c in http}


@pytest.mark.parametrize(("profile", "role", "sweep"), _params(lambda role: role.sweeps))
def test_no_action_beyond_the_grant(request: pytest.FixtureRequest, profile: str, role: Role, sweep: Sweep) -> None:
    synth: Synth = request.getfixturevalue(profile)
    decisions = results(synth).sweeps[role.name, sweep.id]
    applicable = {action for action, decision in decisions.items() if decision is not None}
    allowed = {action for action, decision in decisions.items() if decision == ALLOWED}
    expected = sweep.allowed(role.grants(synth.config))
    assert expected <= applicable, "the sweep must cover the granted actions"
    assert allowed == expected
    assert applicable - expected, "the sweep must try actions beyond the grant"


@pytest.mark.parametrize("profile", list(ROLES_BY_PROFILE))
def test_every_identity_pool_role_is_under_test(request: pytest.FixtureRequest, profile: str) -> None:
    synth: Synth = request.getfixturevalue(profile)
    stacks = Stacks(synth.templates, ENV)
    tested = {stacks.role_id(r.stack, r.prefix) for r in ROLES_BY_PROFILE[profile] if r.stack == "Auth"}
    assert set(stacks.identity_pool_roles("Auth")) == tested
    assert {g.name for g in synth.config.groups} <= {r.name for r in USER_ROLES}, "add the new group role here"


@pytest.mark.parametrize("profile", list(ROLES_BY_PROFILE))
def test_guest_role_exists_only_when_config_allows_guests(request: pytest.FixtureRequest, profile: str) -> None:
    synth: Synth = request.getfixturevalue(profile)
    stacks = Stacks(synth.templates, ENV)
    unauthenticated = {key for key, amr in stacks.identity_pool_roles("Auth").items() if "unauthenticated" in amr}
    pool = stacks.resources("Auth", "AWS::Cognito::IdentityPool")[names.IDENTITY_POOL]["Properties"]
    allow_guests = synth.config.identity.allow_guests
    assert pool["AllowUnauthenticatedIdentities"] is allow_guests
    assert unauthenticated == ({stacks.role_id("Auth", GUEST.prefix)} if allow_guests else set())
    assert allow_guests is (GUEST in ROLES_BY_PROFILE[profile])  # shipped profiles (dev, prod) have no guests


def test_meta_the_evaluator_catches_a_broken_policy(dev: Synth) -> None:
    """The proof can fail: broken policies make the very same cases fail."""
    sound = subject(dev, AUTHENTICATED)
    # Own-files grant without the sub variable: every user could touch every user's files.
    no_variable = sound.replace_policies(lambda text: text.replace(f"private/{LITERAL_VARIABLE}/*", "private/*"))
    # No bucket policy: plain HTTP is no longer denied.
    no_bucket_policy = Subject(sound.principal, sound.identity_policies, None, sound.account)
    other_user = [c for c in USER_CASES if c.id.endswith("-other-user-object")]
    plain_http = [c for c in http_variants(USER_CASES) if c.id == "get-own-object-over-http"]
    broken, insecure, control = evaluate_many(
        [
            (no_variable, [c.request for c in other_user]),
            (no_bucket_policy, [c.request for c in plain_http]),
            (sound, [c.request for c in other_user]),
        ]
    )
    grants = AUTHENTICATED.grants(dev.config)
    assert {c.request.action for c in other_user} == OBJECT_RW | {"s3:AbortMultipartUpload"}
    assert broken == [ALLOWED] * 4 != [c.expected(grants) for c in other_user]
    assert insecure == [ALLOWED] != [c.expected(grants) for c in plain_http]
    assert control == [c.expected(grants) for c in other_user] == [IMPLICIT] * 4


def test_meta_a_context_key_the_action_ignores_is_an_error(dev: Synth) -> None:
    """A request the simulator would evaluate without one of its keys cannot pass vacuously."""
    with pytest.raises(SimulationError, match=r"ignored \['s3:prefix'\]"):
        evaluate(subject(dev, AUTHENTICATED), [Request(GET, obj(f"private/{A}/x"), context(**{"s3:prefix": "x"}))])


@pytest.mark.parametrize(
    "value",
    [{"Fn::If": ["Cond", "a", "b"]}, {"Ref": "Missing"}, {"Fn::GetAtt": ["Pool", "ProviderUrl"]}],
    ids=["unsupported-intrinsic", "unknown-resource", "unknown-attribute"],
)
def test_meta_what_cannot_be_resolved_exactly_is_refused(value: dict[str, Any]) -> None:
    stacks = Stacks({"Auth": {"Resources": {"Pool": {"Type": "AWS::Cognito::UserPool"}}}}, ENV)
    with pytest.raises(ResolveError):
        stacks.resolve("Auth", {"Statement": [{"Resource": value}]})


def _edit_own_records(change: Callable[[dict[str, Any]], None]) -> Callable[[str], str]:
    """An edit of the identity policies' JSON text that changes the OwnRecords statement's conditions."""

    def edit(text: str) -> str:
        policies = json.loads(text)
        statements = [s for p in policies for s in p["policy"]["Statement"] if s.get("Sid") == "OwnRecords"]
        assert len(statements) == 1
        change(statements[0]["Condition"])
        return json.dumps(policies)

    return edit


def _any_value(condition: dict[str, Any]) -> None:
    condition["ForAnyValue:StringEquals"] = condition.pop("ForAllValues:StringEquals")


def _no_key_guard(condition: dict[str, Any]) -> None:
    del condition["Null"][LEADING_KEYS]


def _no_variable(condition: dict[str, Any]) -> None:
    condition["ForAllValues:StringLike"] = {LEADING_KEYS: ["*"]}
    del condition["ForAllValues:StringEquals"]


# Each weakening of the records policy, and cases of the matrix it turns from denied into allowed.
WEAKENED = {
    "ForAnyValue instead of ForAllValues": (
        _any_value,
        ["BatchGetItem-own-and-other-user-partition", "BatchWriteItem-other-and-own-partition",
         "Query-own-and-other-user-partition"],
    ),
    "no Null guard on dynamodb:LeadingKeys": (
        _no_key_guard,
        ["GetItem-without-partition-keys", "PutItem-without-partition-keys", "BatchWriteItem-without-partition-keys"],
    ),
    "no sub variable": (
        _no_variable,
        ["GetItem-other-user-partition", "PutItem-other-user-partition", "Query-other-user-partition",
         "DeleteItem-own-partition-as-other-user"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("weakening", list(WEAKENED))
def test_meta_a_weakened_records_policy_fails_the_matrix(dev: Synth, weakening: str) -> None:
    """The DynamoDB proof can fail: each weakened policy lets through cases the sound one denies."""
    change, flipped = WEAKENED[weakening]
    sound = subject(dev, AUTHENTICATED)
    weak = sound.replace_policies(_edit_own_records(change))
    by_id = {case.id: case for case in USER_RECORD_CASES}
    cases = [by_id[case_id] for case_id in flipped]
    broken, control = evaluate_many([(weak, [c.request for c in cases]), (sound, [c.request for c in cases])])
    grants = AUTHENTICATED.grants(dev.config)
    assert [c.expected(grants) for c in cases] == [IMPLICIT] * len(cases)
    assert control == [IMPLICIT] * len(cases)
    assert broken == [ALLOWED] * len(cases)


# The issue's case matrix for the records table, by kind of case (user roles).
MATRIX = {
    "allowed: own partition, each granted action": [f"{a.split(':')[1]}-own-partition" for a in sorted(OWN_RECORDS)],
    "denied: another user's partition": [f"{a.split(':')[1]}-other-user-partition" for a in sorted(OWN_RECORDS)],
    "denied: Scan": ["Scan-whole-table"],
    "denied: a request without the tag": [f"{a.split(':')[1]}-untagged-own-partition" for a in sorted(OWN_RECORDS)],
    "denied: BatchGetItem with a foreign key": ["BatchGetItem-own-and-other-user-partition",
                                                "BatchGetItem-other-user-partition"],
    "denied: a query whose key condition names another sub": ["Query-other-user-partition",
                                                              "Query-own-and-other-user-partition"],
}  # fmt: skip


def test_the_records_matrix_covers_the_issue_and_denies_every_cross_user_access(
    request: pytest.FixtureRequest,
) -> None:
    ids = {case.id for case in USER_RECORD_CASES}
    assert {case_id for listed in MATRIX.values() for case_id in listed} <= ids
    cross_user_allowed = []
    counted = allowed = 0
    for profile, roles in ROLES_BY_PROFILE.items():
        synth: Synth = request.getfixturevalue(profile)
        found = results(synth)
        for role in roles:
            if role.stack != "Auth":
                continue
            grants = role.grants(synth.config)
            for case in role.cases:
                if case.request.resource not in (TABLE, OTHER_TABLE):
                    continue
                counted += 1
                decision = found.cases[role.name, case.id]
                allowed += decision == ALLOWED
                keys = case.request.context.get(LEADING_KEYS)
                own = case.request.context.get(TAG)
                foreign = own is None or keys is None or any(key != own for key in keys)
                writes = case.request.action not in RECORD_READS
                if decision == ALLOWED and foreign and (writes or not grants.read_all_records):
                    cross_user_allowed.append(f"{profile}/{role.name}/{case.id}")
    summary = (
        f"records table: {counted} role x case decisions on the table ({allowed} allowed, {counted - allowed} "
        f"denied), {len(cross_user_allowed)} cross-user allowed"
    )
    warnings.warn(IamCaseCounts(summary), stacklevel=1)
    assert counted > 0
    assert cross_user_allowed == []
