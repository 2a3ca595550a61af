"""The README stays correct for every command it shows.

Every shell line in the README's `bash` and `console` blocks is classified here, and an unknown one fails
the test, so a new command in the README needs a decision:
- commands that need no account run for real (with no AWS credentials), and a `console` block's shown
  output must appear in what they print;
- commands that need a deployed stack are checked as far as they can be offline: make targets exist,
  client commands parse with the client's own argument parser, jq paths name real stacks and outputs,
  curl paths are routes of the API.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from client.__main__ import build_parser
from stacks import names
from stacks.config import load_config
from stacks.names import API_ROUTES
from tests.support import REPO
from tests.unit.test_make_targets import lines, make, phony_targets, scrubbed_env

pytestmark = pytest.mark.runs_make

README = REPO / "README.md"
# Run for real: need no account (and no credentials are set).
OFFLINE = {"make synth", "make help", "make synth ENV=nope"}
# Shown but not run here, and why.
NOT_RUN = {
    "make test": "it is the command that runs this test (CI runs it on a clean clone)",
    "make baseline": "it rewrites guard/baseline/ (a reviewed, committed file)",
    "make aws-check": "needs an account; its no-credential line is tested in test_make_targets.py",
    "make bootstrap": "needs an account; its no-credential line is tested in test_make_targets.py",
    "make preflight": "needs an account; its checks are tested in test_preflight.py",
    "make deploy": "needs an account; its no-credential line is tested in test_make_targets.py",
    "make diff": "needs an account; its no-credential line is tested in test_make_targets.py",
    "make destroy": "needs an account; its no-credential line is tested in test_make_targets.py",
    "make local": "it runs until stopped; tests/local/test_local_stack.py starts it on free ports and runs the journey",
    "make local-stop": "tests/local/test_local_stack.py stops the stack it started",
}


def shell_lines(markdown: str) -> list[tuple[str, list[str]]]:
    """(command, output shown after it) for every line of the bash and console blocks."""
    found: list[tuple[str, list[str]]] = []
    for language, body in re.findall(r"^```(bash|console)\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL):
        text = body.replace("\\\n", " ")
        for line in text.splitlines():
            if language == "console" and not line.startswith("$ "):
                if found:
                    found[-1][1].append(line)
                continue
            command = re.sub(r"\s+#\s.*$", "", line.removeprefix("$ ")).strip()
            if command:
                found.append((" ".join(command.split()), []))
    return found


COMMANDS = shell_lines(README.read_text(encoding="utf-8"))


def make_key(command: str) -> str:
    """`make deploy ENV=dev FORCE=1` -> `make deploy`; the ENV=nope example keeps its argument."""
    return command if command == "make synth ENV=nope" else " ".join(command.split()[:2])


def test_every_readme_command_is_known() -> None:
    unknown = [
        command
        for command, _ in COMMANDS
        if not (
            (command.startswith("make ") and make_key(command) in OFFLINE | NOT_RUN.keys())
            or command.startswith(("export ", ".venv/bin/python -m client ", "API_URL=$(jq ", "curl "))
        )
    ]
    assert not unknown, f"README shows commands this test does not check: {unknown}"
    assert len(COMMANDS) > 20


@pytest.mark.parametrize("command", sorted({c for c, _ in COMMANDS if c.startswith("make ")}))
def test_make_commands_name_real_targets(command: str) -> None:
    target = command.split()[1]
    assert target in phony_targets(), f"README: `{command}`: no such target"
    for argument in command.split()[2:]:
        assert re.fullmatch(r"(ENV|FORCE|APPROVAL)=\S+", argument), f"README: `{command}`: unknown {argument}"
        if argument.startswith("ENV=") and argument != "ENV=nope":
            load_config(argument.removeprefix("ENV="))  # a shipped profile


@pytest.mark.parametrize(("command", "shown"), [(c, s) for c, s in COMMANDS if make_key(c) in OFFLINE])
def test_offline_commands_run_and_print_what_the_readme_shows(command: str, shown: list[str], tmp_path: Path) -> None:
    done = make(*command.split()[1:], env=scrubbed_env(tmp_path))
    output = lines(done)
    assert "Traceback" not in done.stdout + done.stderr
    if command == "make synth ENV=nope":
        assert done.returncode == 2
    else:
        assert done.returncode == 0, output[-5:]
    shown = [line for line in shown if line.strip()]
    assert shown == [line for line in output if line in shown], f"README shows {shown}, the command printed {output}"


def test_client_commands_parse_with_the_clients_own_parser(capsys: pytest.CaptureFixture[str]) -> None:
    client_lines = [c for c, _ in COMMANDS if c.startswith(".venv/bin/python -m client ")]
    assert len(client_lines) >= 5
    for command in client_lines:
        arguments = shlex.split(command)[3:]
        try:
            parsed = build_parser().parse_args(arguments)
        except SystemExit:
            pytest.fail(f"README: `{command}` does not parse: {capsys.readouterr().err.strip()}")
        assert parsed.handler is not None
    help_text = subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "client", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "signin" in help_text


def test_jq_and_curl_lines_name_real_outputs_and_routes() -> None:
    dev = load_config("dev")
    jq_lines = [c for c, _ in COMMANDS if c.startswith("API_URL=$(jq ")]
    assert jq_lines
    for command in jq_lines:
        stack, output, path = re.fullmatch(r"""API_URL=\$\(jq -r '\."([^"]+)"\.(\w+)' (\S+)\)""", command).groups()
        assert (stack, output, path) == (
            names.stack_name(dev.prefix, names.API_STACK),
            names.Outputs.API_URL,
            "outputs/dev.json",
        )
    routes = {tuple(route_key.split(" ", 1)) for route_key in API_ROUTES}
    curl_lines = [c for c, _ in COMMANDS if c.startswith("curl ")]
    assert len(curl_lines) >= 3
    for command in curl_lines:
        words = shlex.split(command.replace("$API_URL", "API_URL").replace("$ACCESS_TOKEN", "TOKEN"))
        method = words[words.index("-X") + 1] if "-X" in words else "GET"
        url = next(word for word in words if word.startswith("API_URL/"))
        path = url.removeprefix("API_URL").split("?")[0]
        assert (method, path) in routes, f"README: `{command}`: {method} {path} is not a route of the API"
