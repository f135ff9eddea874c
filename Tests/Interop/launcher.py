"""The one way the interop tests (and the bench scripts) start a long-running process.

`Launched` wraps `subprocess.Popen`; nothing else in Tests/Interop calls it. Its output goes to a
log file rather than a pipe (a pipe nobody reads fills up and stalls the child, and one the child's
own children inherit stays open after it exits); `wait_for` polls that file with a deadline. With
`hold_stdin` the child's standard input is a pipe only this process holds: services started with
SKILLS_EXIT_WHEN_STDIN_CLOSES=1 then exit when the tests end, however they end (SIGKILL included).
With `session` the child leads a session and process group of its own, so `stop` and `kill` reach
everything it started (run-local.sh's services, skillsctl's launched platform).

One-shot commands (`subprocess.run`) are not launches: they end before the test goes on.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Launched:
    """One child process: started on construction, its output in `log`, stopped with `stop` or by `with`."""

    def __init__(self, command: list, *, log: Path | None = None, append: bool = False, env: dict | None = None,
                 cwd: Path = ROOT, hold_stdin: bool = False, session: bool = False, split_stderr: bool = False):
        self.command = [str(part) for part in command]
        if log is None:
            handle, name = tempfile.mkstemp(prefix=f"{Path(self.command[0]).name}-", suffix=".log")
            os.close(handle)
            log = Path(name)
        self.log = Path(log)
        # With split_stderr, standard error goes to its own file (`errors()`), not into `log`.
        self.stderr_log = Path(f"{self.log}.stderr") if split_stderr else None
        self.session = session
        with open(self.log, "ab" if append else "wb") as out, \
                open(self.stderr_log or os.devnull, "wb") as err:
            if append:
                out.write(f"\n=== {' '.join(self.command)}\n".encode())
                out.flush()
            self._start_offset = out.tell()
            self.process = subprocess.Popen(self.command, stdin=subprocess.PIPE if hold_stdin else subprocess.DEVNULL,
                                            stdout=out, stderr=err if split_stderr else subprocess.STDOUT, cwd=cwd,
                                            env=env, start_new_session=session)

    # ---- state ------------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        """Everything this launch has written so far (stdout and stderr interleaved)."""
        try:
            with open(self.log, "rb") as log:
                log.seek(self._start_offset)
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def errors(self) -> str:
        """Standard error, when it was split from the output; else ""."""
        return self.stderr_log.read_text(errors="replace") if self.stderr_log else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:]) or "(no output)"

    # ---- waiting ----------------------------------------------------------------------------

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first match of the regular expression `pattern` in the output, polled until `timeout`
        seconds have passed; raises AssertionError (with the output) if the process exits first or
        the time runs out."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern, re.M)
        while True:
            text = self.output()
            found = compiled.search(text)
            if found:
                return found
            if not self.running():
                # It may have written the line just before exiting.
                found = compiled.search(self.output())
                if found:
                    return found
                raise AssertionError(f"{self.name} exited with {self.returncode} before printing "
                                     f"{pattern!r}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not print {pattern!r} within {timeout:.0f} s:\n{text}")
            time.sleep(0.05)

    def wait(self, timeout: float) -> int:
        """The exit status; on a timeout the process (and its session) is killed and AssertionError raised."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.name} did not end within {timeout:.0f} s:\n{self.log_tail()}") from None

    # ---- ending -----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return Path(self.command[0]).name if Path(self.command[0]).name not in ("bash", "sh") else \
            Path(self.command[1]).name

    def send(self, number: int) -> None:
        """Sends `number` to the process, or to its whole process group when it leads a session."""
        try:
            if self.session:
                os.killpg(self.process.pid, number)
            else:
                self.process.send_signal(number)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 15.0, how: int = signal.SIGTERM) -> int | None:
        """`how` (SIGTERM) and wait; SIGKILL after `timeout`. The exit status, None if it had to be killed."""
        if not self.running():
            self._reap_session()
            return self.process.returncode
        self.send(how)
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self._reap_session()
        return status

    def kill(self) -> None:
        """SIGKILL (the whole session's processes, when it has one) and reap."""
        if self.session:
            self._reap_session()
        elif self.running():
            self.process.kill()
        self.process.wait()

    def _reap_session(self) -> None:
        """Kills whatever is left in the session (children that outlived their leader)."""
        if self.session:
            subprocess.run(["pkill", "-KILL", "-s", str(self.process.pid)], check=False)

    def __enter__(self) -> "Launched":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
