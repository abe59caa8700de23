"""What the launcher and multi-host tests share: bounded polling, one
parleyrun job with its own marker and TMPDIR, and the one-error-line check.
Nothing sleeps to let things settle; every wait is a bounded poll."""
import os
import re
import selectors
import subprocess
import tempfile
import time
import uuid


def wait_until(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


class JobBase:
    """One parleyrun invocation (`command` + args) with its own marker
    variable (PARLEY_TEST_MARKER) and TMPDIR, both inherited by every process
    of the job, so a test can find what it left behind."""

    timeout = 90  # a hung launcher fails the case instead of hanging the suite

    def __init__(self, command, env=None, stdin=subprocess.DEVNULL, tmp_prefix="plt-"):
        self.marker = uuid.uuid4().hex
        self.tmpdir = tempfile.mkdtemp(prefix=tmp_prefix)
        e = dict(os.environ)
        e.update(env or {})
        e["PARLEY_TEST_MARKER"] = self.marker
        e["TMPDIR"] = self.tmpdir
        self.proc = subprocess.Popen(command, env=e, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.proc.pid

    def wait_for_lines(self, pattern, count, timeout=60):
        """Reads stdout until `count` lines match; returns the bytes read."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(re.findall(pattern, buf.decode(errors="replace"), re.M)) >= count:
                return buf
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
        err = b""
        if self.proc.poll() is not None:
            err = self.proc.stderr.read()
        raise AssertionError(f"only saw {buf!r} waiting for {count} x {pattern}"
                             + (f"; parleyrun exited {self.proc.returncode}, stderr {err!r}" if err else ""))

    def finish(self, timeout=None, input_bytes=None):
        timeout = self.timeout if timeout is None else timeout
        try:
            out, err = self.proc.communicate(input=input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError(f"parleyrun did not finish in {timeout} s; stderr: {err!r}")
        return self.proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def assert_one_error_line(test, err, pattern, ignore=None):
    """stderr holds exactly one line (besides lines starting with `ignore`),
    from parleyrun, matching pattern."""
    lines = [l for l in err.splitlines() if l.strip() and not (ignore and l.startswith(ignore))]
    test.assertEqual(len(lines), 1, f"expected one line on stderr, got {err!r}")
    test.assertRegex(lines[0], r"^parleyrun: ")
    test.assertRegex(lines[0], pattern)
