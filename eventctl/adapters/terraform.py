"""A thin wrapper around the terraform binary.

Every run is non-interactive (`-input=false`, `TF_IN_AUTOMATION=1`, `-no-color`). Plans are
saved (`plan -out`) and read back with `show -json`; applies stream `apply -json` events
(NDJSON) to a callback; outputs come from `output -json`. Terraform's own error text is kept,
trimmed to the part that helps, and raised as `TerraformError`; a held state lock becomes
`StateLockedError` carrying the holder.

Terraform runs in its own session, so a Ctrl-C at the terminal reaches eventctl only; eventctl
forwards one SIGINT (terraform then stops cleanly and releases its lock) and waits. A second
Ctrl-C is forwarded too: terraform then exits at once, as it would at a terminal.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from eventctl.errors import EventctlError

#: The rendered root needs 1.11: the JWT signing key is an ephemeral resource stored through a
#: write-only argument (`secret_string_wo`), both 1.11 features; `required_version` says the same.
MIN_VERSION = (1, 11, 0)
#: S3-native state locking (`use_lockfile`) appeared in Terraform 1.10.
LOCKFILE_VERSION = (1, 10, 0)
INSTALL_HINT = (
    "install Terraform {need} or newer (https://developer.hashicorp.com/terraform/install) "
    "and put it on PATH"
)
_MAX_ERROR_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_BOX = re.compile(r"^[│╷╵] ?", re.MULTILINE)
_REQUEST_IDS = re.compile(r"\s*(RequestID|HostID): [^,\s]+,?")
_LOCK_FIELD = re.compile(r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*)$", re.M)
_LOCK_BOILERPLATE = "Terraform acquires a state lock"
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")

Version = tuple[int, int, int]
EventHandler = Callable[[dict[str, Any]], None]


class TerraformError(EventctlError):
    """Terraform failed; the message carries its own error text, trimmed."""


class TerraformNotFound(TerraformError):
    """The terraform binary is missing or too old."""


class StateLockedError(TerraformError):
    """Someone else holds the state lock; `lock` says who, doing what, since when."""

    def __init__(self, message: str, hint: str | None, lock: LockInfo | None) -> None:
        super().__init__(message, hint)
        self.lock = lock


class Interrupted(TerraformError):
    """The user interrupted terraform (Ctrl-C); terraform was asked to stop cleanly.

    `reported` holds the errors terraform printed while stopping (a failed lock release,
    for one), so whoever explains the interruption can pass them on.
    """

    exit_code = 130

    def __init__(self, message: str, hint: str | None = None, reported: str = "") -> None:
        super().__init__(message, hint)
        self.reported = reported


@dataclass(frozen=True)
class LockInfo:
    """Who holds a Terraform state lock, as Terraform records it."""

    id: str
    path: str = ""
    operation: str = ""
    who: str = ""
    version: str = ""
    created: datetime | None = None
    info: str = ""

    @property
    def action(self) -> str:
        """'OperationTypeApply' -> 'apply'."""
        return self.operation.removeprefix("OperationType").lower() or "unknown"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LockInfo:
        """From the lock record Terraform stores (DynamoDB `Info`, or the `.tflock` object)."""
        return cls(
            id=str(data.get("ID", "")),
            path=str(data.get("Path", "")),
            operation=str(data.get("Operation", "")),
            who=str(data.get("Who", "")),
            version=str(data.get("Version", "")),
            created=_parse_time(str(data.get("Created", ""))),
            info=str(data.get("Info", "")),
        )

    @classmethod
    def from_text(cls, text: str) -> LockInfo | None:
        """From the 'Lock Info:' block Terraform prints when it cannot take the lock."""
        fields = {m.group(1): m.group(2).strip() for m in _LOCK_FIELD.finditer(text)}
        if not fields.get("ID"):
            return None
        return cls.from_json({**fields, "Created": fields.get("Created", "")})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "operation": self.action,
            "who": self.who,
            "version": self.version,
            "created": self.created.isoformat() if self.created else None,
            "info": self.info,
        }


def _parse_time(value: str) -> datetime | None:
    """Terraform writes '2026-01-02T03:04:05.123456789Z' or '2026-01-02 03:04:05.1 +0000 UTC'."""
    value = value.strip().removesuffix(" UTC")
    match = re.match(
        r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?$", value
    )
    if not match:
        return None
    day, clock, fraction, zone = match.groups()
    micro = (fraction or "0")[:6].ljust(6, "0")
    zone = "+00:00" if zone in (None, "Z") else zone
    if re.fullmatch(r"[+-]\d{4}", zone):
        zone = f"{zone[:3]}:{zone[3:]}"
    return datetime.fromisoformat(f"{day}T{clock}.{micro}{zone}")


@dataclass(frozen=True)
class Diagnostic:
    """One error or warning Terraform reported."""

    severity: str
    summary: str
    detail: str = ""
    filename: str | None = None
    line: int | None = None

    def text(self) -> str:
        """'summary (main.tf:3)' and the detail, trimmed to the useful lines."""
        where = f" ({self.filename}:{self.line})" if self.filename and self.line else ""
        detail = trim_detail(self.detail)
        return f"{self.summary}{where}" + (f"\n{detail}" if detail else "")


def trim_detail(detail: str) -> str:
    """Drop request ids, lock boilerplate and blank runs; keep at most a dozen lines."""
    detail = detail.split(_LOCK_BOILERPLATE, 1)[0]
    detail = _REQUEST_IDS.sub("", detail)
    lines: list[str] = []
    for raw in detail.strip().splitlines():
        line = raw.rstrip()
        if not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    if len(lines) > _MAX_ERROR_LINES:
        lines = [*lines[:_MAX_ERROR_LINES], "..."]
    return "\n".join(lines)


@dataclass
class RunResult:
    """What one terraform run printed and how it ended."""

    returncode: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """From `-json` events when there are any, else parsed from the text output."""
        from_events = [_diagnostic(e["diagnostic"]) for e in self.events if "diagnostic" in e]
        if self.events:
            return from_events
        return diagnostics_from_text(self.stderr) + diagnostics_from_text(self.stdout)


def _diagnostic(raw: Mapping[str, Any]) -> Diagnostic:
    where = raw.get("range") or {}
    start = where.get("start") or {}
    return Diagnostic(
        severity=str(raw.get("severity", "error")),
        summary=str(raw.get("summary", "")).strip(),
        detail=str(raw.get("detail", "")),
        filename=where.get("filename"),
        line=start.get("line"),
    )


def diagnostics_from_text(text: str) -> list[Diagnostic]:
    """'Error: ...' / 'Warning: ...' blocks of Terraform's human output."""
    text = _BOX.sub("", _ANSI.sub("", text))
    found: list[Diagnostic] = []
    blocks = re.split(r"^(Error|Warning): ", text, flags=re.MULTILINE)
    for kind, body in zip(blocks[1::2], blocks[2::2], strict=True):
        summary, _, detail = body.partition("\n")
        location = re.search(r"^\s*on (\S+) line (\d+)", detail, re.MULTILINE)
        if location:
            detail = detail[location.end() :].split("\n", 1)[-1]
            detail = re.sub(r"^\s*\d+:.*$", "", detail, flags=re.MULTILINE)
        found.append(
            Diagnostic(
                severity="error" if kind == "Error" else "warning",
                summary=summary.strip(),
                detail=detail,
                filename=location.group(1) if location else None,
                line=int(location.group(2)) if location else None,
            )
        )
    return found


def parse_json_document(text: str) -> Any:
    """The JSON document in `text`, skipping anything printed before it (warnings, notices)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for match in re.finditer(r"^[\[{]", text, re.MULTILINE):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        return value
    first = trim_detail(_ANSI.sub("", text)) or "(nothing)"
    raise TerraformError(
        f"terraform printed no JSON document where one was expected:\n{first}",
        hint="run the same terraform command by hand in the working directory to see why",
    )


def parse_version(text: str) -> Version:
    """The version in `terraform version -json` output (or its text form)."""
    try:
        data = parse_json_document(text)
        raw = str(data.get("terraform_version", "")) if isinstance(data, dict) else ""
    except TerraformError:
        raw = text
    match = _VERSION.search(raw)
    if not match:
        raise TerraformError(f"cannot tell the terraform version from: {text.strip()[:200]!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return (major, minor, patch)


def _dotted(version: Version) -> str:
    return ".".join(map(str, version))


class Terraform:
    """The terraform binary, run in one working directory (a root module)."""

    def __init__(
        self, workdir: Path, *, binary: str | None = None, environ: Mapping[str, str]
    ) -> None:
        self.workdir = workdir
        self.binary = _find_binary(binary, environ)
        self.environ = {
            **environ,
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        }
        self._version: Version | None = None

    def at(self, workdir: Path) -> Terraform:
        """The same binary and environment, run in another working directory."""
        other = Terraform.__new__(Terraform)
        other.workdir = workdir
        other.binary = self.binary
        other.environ = self.environ
        other._version = self._version
        return other

    # -- version ------------------------------------------------------------------------

    def version(self) -> Version:
        """The binary's version (asked once)."""
        if self._version is None:
            result = self._run(["version", "-json"], check=True)
            self._version = parse_version(result.stdout)
        return self._version

    def remember_version(self, version: Version) -> None:
        """The version, known from an earlier run of the same binary (not asked again)."""
        self._version = version

    def require(self, minimum: Version = MIN_VERSION, why: str = "") -> Version:
        """The version, or TerraformNotFound when it is older than `minimum`."""
        found = self.version()
        if found < minimum:
            reason = f" ({why})" if why else ""
            raise TerraformNotFound(
                f"terraform {_dotted(found)} at {self.binary} is too old: eventctl needs "
                f"{_dotted(minimum)} or newer{reason}",
                hint=INSTALL_HINT.format(need=_dotted(minimum)),
            )
        return found

    # -- commands -----------------------------------------------------------------------

    def init(self, backend_config: Path | None = None) -> None:
        """`terraform init` with the given backend configuration file."""
        args = ["init", "-input=false", "-no-color"]
        if backend_config is not None:
            args.append(f"-backend-config={backend_config}")
        result = self._run(args)
        if result.returncode != 0:
            raise self._failure("terraform init", result)

    def plan(
        self,
        plan_file: Path,
        *,
        destroy: bool = False,
        lock_timeout: str = "0s",
        on_event: EventHandler | None = None,
    ) -> bool:
        """Save a plan to `plan_file`; True when it changes anything (`-detailed-exitcode`)."""
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-json",
            "-detailed-exitcode",
            f"-lock-timeout={lock_timeout}",
            f"-out={plan_file}",
        ]
        if destroy:
            args.append("-destroy")
        result = self._stream(args, on_event)
        if result.interrupted:
            raise self._interrupted("plan", result)
        if result.returncode not in (0, 2):
            raise self._failure("terraform plan", result)
        return result.returncode == 2

    def show_plan(self, plan_file: Path) -> dict[str, Any]:
        """`terraform show -json PLAN`: the plan as a document."""
        result = self._run(["show", "-json", "-no-color", str(plan_file)])
        if result.returncode != 0:
            raise self._failure("terraform show", result)
        data = parse_json_document(result.stdout)
        if not isinstance(data, dict):
            raise TerraformError("terraform show -json did not print a plan object")
        return data

    def show_plan_text(self, plan_file: Path) -> str:
        """`terraform show PLAN`: the plan as terraform prints it (sensitive values masked)."""
        result = self._run(["show", "-no-color", str(plan_file)])
        if result.returncode != 0:
            raise self._failure("terraform show", result)
        return result.stdout

    def state_pull(self) -> dict[str, Any]:
        """`terraform state pull`: the current state ({} when there is none yet)."""
        result = self._run(["state", "pull"])
        if result.returncode != 0:
            raise self._failure("terraform state pull", result)
        if not result.stdout.strip():
            return {}
        data = parse_json_document(result.stdout)
        if not isinstance(data, dict):
            raise TerraformError("terraform state pull did not print a state object")
        return data

    def apply(
        self,
        plan_file: Path,
        *,
        lock_timeout: str = "0s",
        on_event: EventHandler | None = None,
    ) -> list[dict[str, Any]]:
        """Apply exactly the saved `plan_file`; returns the `-json` events."""
        args = [
            "apply",
            "-input=false",
            "-no-color",
            "-json",
            f"-lock-timeout={lock_timeout}",
            str(plan_file),
        ]
        result = self._stream(args, on_event)
        if result.interrupted:
            raise self._interrupted("apply", result)
        if result.returncode != 0:
            raise self._failure("terraform apply", result)
        return result.events

    def output(self) -> dict[str, dict[str, Any]]:
        """`terraform output -json`: {name: {sensitive, type, value}}."""
        result = self._run(["output", "-json", "-no-color"])
        if result.returncode != 0:
            raise self._failure("terraform output", result)
        data = parse_json_document(result.stdout)
        if not isinstance(data, dict):
            raise TerraformError("terraform output -json did not print an object")
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}

    def force_unlock(self, lock_id: str) -> None:
        """`terraform force-unlock -force LOCK_ID`."""
        result = self._run(["force-unlock", "-force", lock_id])
        if result.returncode != 0:
            raise self._failure("terraform force-unlock", result)

    # -- running ------------------------------------------------------------------------

    def _command(self, args: Sequence[str]) -> list[str]:
        return [self.binary, *args]

    def _run(self, args: Sequence[str], *, check: bool = False) -> RunResult:
        """A short command: wait for it, collect its output."""
        process = self._start(args)
        forwarder = _InterruptForwarder(process)
        while True:
            try:
                stdout, stderr = process.communicate()
                break
            except KeyboardInterrupt:
                forwarder.forward()
        result = RunResult(process.returncode, stdout, stderr, interrupted=forwarder.count > 0)
        if result.interrupted:
            raise self._interrupted(args[0], result)
        if check and result.returncode != 0:
            raise self._failure(f"terraform {args[0]}", result)
        return result

    def _stream(self, args: Sequence[str], on_event: EventHandler | None) -> RunResult:
        """A `-json` command: hand each event to `on_event` as it arrives."""
        process = self._start(args)
        assert process.stdout is not None and process.stderr is not None
        stderr_lines: list[str] = []
        drain = threading.Thread(
            target=lambda: stderr_lines.extend(process.stderr or ()), daemon=True
        )
        drain.start()
        events: list[dict[str, Any]] = []
        stray: list[str] = []
        forwarder = _InterruptForwarder(process)
        with process, _sigterm_as_interrupt():
            try:
                while True:
                    try:
                        line = process.stdout.readline()
                        if not line:
                            break
                        event = _event(line)
                        if event is None:
                            stray.append(line)
                            continue
                        events.append(event)
                        if on_event is not None:
                            on_event(event)
                    except KeyboardInterrupt:
                        forwarder.forward()
            except BaseException:
                # Never leave terraform running on its own, holding the state lock.
                forwarder.forward()
                forwarder.wait()
                raise
            returncode = forwarder.wait()
            drain.join(timeout=10)
        return RunResult(
            returncode,
            "".join(stray),
            "".join(stderr_lines),
            events=events,
            interrupted=forwarder.count > 0,
        )

    def _start(self, args: Sequence[str]) -> subprocess.Popen[str]:
        try:
            return subprocess.Popen(
                self._command(args),
                cwd=self.workdir,
                env=self.environ,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            if not self.workdir.is_dir():
                raise TerraformError(
                    f"terraform working directory {self.workdir} is missing"
                ) from None
            raise TerraformNotFound(
                f"cannot run terraform at {self.binary}: {exc.strerror}",
                hint=INSTALL_HINT.format(need=_dotted(MIN_VERSION)),
            ) from None
        except PermissionError as exc:
            raise TerraformNotFound(
                f"cannot run terraform at {self.binary}: {exc.strerror}",
                hint="make the file executable, or put a working terraform first on PATH",
            ) from None

    # -- errors -------------------------------------------------------------------------

    def _failure(self, what: str, result: RunResult) -> TerraformError:
        errors = [d for d in result.diagnostics if d.severity == "error"]
        lock = next(
            (
                LockInfo.from_text(d.detail)
                for d in errors
                if d.summary == "Error acquiring the state lock" and "Lock Info" in d.detail
            ),
            None,
        )
        if lock is not None:
            return StateLockedError(_lock_message(lock), None, lock)
        # Without a holder, "Error acquiring the state lock" is some other failure (access
        # denied, a missing table): Terraform's own text says which.
        if errors:
            text = "\n".join(d.text() for d in errors[:3])
            more = f"\n(and {len(errors) - 3} more errors)" if len(errors) > 3 else ""
            return TerraformError(f"{what} failed: {text}{more}", hint=_hint_for(errors))
        output = trim_detail(_ANSI.sub("", result.stderr.strip() or result.stdout.strip()))
        return TerraformError(f"{what} failed (exit {result.returncode}): {output or 'no output'}")

    def _interrupted(self, what: str, result: RunResult) -> Interrupted:
        errors = [d for d in result.diagnostics if d.severity == "error"]
        return Interrupted(
            f"terraform {what} interrupted: terraform was asked to stop cleanly "
            f"(exit {result.returncode})",
            reported="; ".join(d.text() for d in errors),
        )


def _lock_message(lock: LockInfo) -> str:
    since = lock.created.strftime("%Y-%m-%d %H:%M:%S UTC") if lock.created else "an unknown time"
    return (
        f"the state is locked by {lock.who or 'someone'} ({lock.action}, since {since}, "
        f"lock id {lock.id})"
    )


def _hint_for(errors: Sequence[Diagnostic]) -> str | None:
    text = " ".join(f"{d.summary} {d.detail}" for d in errors)
    if "No valid credential sources" in text or "failed to refresh cached credentials" in text:
        return "set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
    if "Backend configuration changed" in text or "Backend initialization required" in text:
        return (
            "the state backend differs from the one this directory was initialised with; "
            "eventctl does not migrate state: remove the directory's .terraform/ to start over"
        )
    if "NoSuchBucket" in text or "S3 bucket does not exist" in text:
        return "the state bucket is gone: create the backend with `eventctl env bootstrap ENV`"
    if "Saved plan is stale" in text:
        return "the state changed since the plan was made: plan again"
    return None


def _event(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return None
    return event if isinstance(event, dict) else None


class _InterruptForwarder:
    """Passes Ctrl-C on to terraform: the first asks it to stop cleanly, the second forces it.

    eventctl itself keeps waiting for terraform to exit, so it never leaves it running alone.
    """

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.count = 0

    def forward(self) -> None:
        self.count += 1
        if self.count <= 2 and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self) -> int:
        while True:
            try:
                return self.process.wait()
            except KeyboardInterrupt:
                self.forward()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """While terraform runs, SIGTERM (a CI cancel) is handled like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _find_binary(binary: str | None, environ: Mapping[str, str]) -> str:
    name = binary or "terraform"
    found = shutil.which(name, path=environ.get("PATH"))
    if found is None:
        where = f"{name} does not exist" if "/" in name else "terraform is not on PATH"
        raise TerraformNotFound(
            f"cannot find the terraform binary: {where}",
            hint=INSTALL_HINT.format(need=_dotted(MIN_VERSION)),
        )
    return found
