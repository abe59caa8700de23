#!/usr/bin/env python3
"""Behaviour tests of parleyrun + parley-daemon, using pmix_probe as the ranks.

Run one case:  PARLEYRUN=... PMIX_PROBE=... launcher_test.py LauncherTest.test_exit_code
Every case checks afterwards that the job left nothing behind: no process
carrying the case's marker variable, no file in the job's TMPDIR, no
/dev/shm/parley-<jobid>* file. Nothing sleeps; waits are bounded polls.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from job_support import JobBase, assert_one_error_line, wait_until  # noqa: E402

PARLEYRUN = os.environ.get("PARLEYRUN", "parleyrun")
PROBE = os.environ.get("PMIX_PROBE", "pmix_probe")
JOB_TIMEOUT = 90  # a hung launcher fails the case instead of hanging the suite


class Job(JobBase):
    """One parleyrun invocation with its own marker and TMPDIR."""

    timeout = JOB_TIMEOUT

    def __init__(self, args, env=None, stdin=subprocess.DEVNULL):
        super().__init__([PARLEYRUN] + args, env=env, stdin=stdin)

    def leftovers(self):
        """Processes with our marker, files in TMPDIR, job shm files."""
        procs = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if self.marker.encode() in f.read():
                        with open(f"/proc/{pid}/cmdline", "rb") as c:
                            cmd = c.read().replace(b"\0", b" ").decode(errors="replace")
                        procs.append(f"{pid}: {cmd}")
            except OSError:
                continue  # gone, or a zombie
        files = []
        for root, dirs, names in os.walk(self.tmpdir):
            files += [os.path.join(root, n) for n in names + dirs]
        shm = [n for n in os.listdir("/dev/shm") if n.startswith(f"parley-{self.pid}-")]
        return procs, files, shm

    def cleanup(self):
        shutil.rmtree(self.tmpdir, ignore_errors=True)


class LauncherTest(unittest.TestCase):
    def setUp(self):
        self.jobs = []

    def tearDown(self):
        for job in self.jobs:
            if job.proc.poll() is None:
                job.proc.kill()
                job.proc.wait()
        for job in self.jobs:
            state = {}

            def clean():
                state["left"] = job.leftovers()
                return not any(state["left"])

            ok = wait_until(clean, 5.0)
            job.cleanup()
            self.assertTrue(ok, f"job {job.pid} left behind (processes, tmp files, shm): {state['left']}")

    def start(self, args, **kw):
        job = Job(args, **kw)
        self.jobs.append(job)
        return job

    def run_job(self, args, input_bytes=None, env=None, timeout=JOB_TIMEOUT):
        job = self.start(args, env=env, stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL)
        return job.finish(timeout=timeout, input_bytes=input_bytes)

    def assert_one_error_line(self, err, pattern):
        assert_one_error_line(self, err, pattern)

    # ---- start-up and job information ----

    def test_ranks_distinct_and_complete(self):
        for n in (1, 2, 3, 4, 8):
            with self.subTest(n=n):
                rc, out, err = self.run_job(["-n", str(n), PROBE, "info"])
                self.assertEqual(rc, 0, err)
                lines = [l for l in out.splitlines() if l.startswith("rank ")]
                self.assertEqual(len(lines), n, out)
                ranks = sorted(int(l.split()[1]) for l in lines)
                self.assertEqual(ranks, list(range(n)))
                for l in lines:
                    f = l.split()
                    kv = dict(zip(f[2::2], f[3::2]))
                    self.assertEqual(kv["size"], str(n))
                    self.assertEqual(kv["local_size"], str(n))
                    self.assertEqual(kv["local_rank"], f[1])
                    self.assertEqual(kv["peers"], ",".join(map(str, range(n))))
                    self.assertTrue(kv["jobid"].startswith(f"{self.jobs[-1].pid}-"), l)
                self.assertEqual(len({dict(zip(l.split()[2::2], l.split()[3::2]))["jobid"] for l in lines}), 1)

    def test_fence_data_exchange(self):
        for n in (1, 2, 3, 4, 8):
            with self.subTest(n=n):
                rc, out, err = self.run_job(["-n", str(n), PROBE, "fence"])
                self.assertEqual(rc, 0, err)
                self.assertEqual(sorted(re.findall(r"^rank (\d+) fence ok \((\d+) values\)$", out, re.M)),
                                 sorted((str(r), str(n)) for r in range(n)))

    def test_publish_lookup(self):
        rc, out, err = self.run_job(["-n", "3", PROBE, "publish"])
        self.assertEqual(rc, 0, err)
        self.assertIn("rank 1 looked up probe-service=port-42 (published by rank 0)", out)
        self.assertIn("rank 2 looked up probe-service=port-42 (published by rank 0)", out)
        self.assertIn("rank 0 lookup after unpublish: not found", out)

    def test_mpmd(self):
        rc, out, err = self.run_job(["-n", "1", PROBE, "info", ":", "-n", "3", PROBE, "info"])
        self.assertEqual(rc, 0, err)
        apps = dict(re.findall(r"^rank (\d+) .* appnum (\d+) appsize", out, re.M))
        self.assertEqual(apps, {"0": "0", "1": "1", "2": "1", "3": "1"})
        self.assertEqual(len(re.findall(r" size 4 ", out)), 4)

    def test_mpmd_different_programs(self):
        rc, out, err = self.run_job(["-n", "1", PROBE, "env", "PARLEY_APPNUM", ":", "-n", "2", PROBE, "info"])
        self.assertEqual(rc, 0, err)
        self.assertIn("rank 0 PARLEY_APPNUM=0", out)
        self.assertEqual(len(re.findall(r"^rank [12] size 3 .* appnum 1 appsize 2", out, re.M)), 2, out)

    # ---- exit statuses ----

    def test_success_exit_code_zero(self):
        rc, out, err = self.run_job(["-n", "4", PROBE, "info"])
        self.assertEqual((rc, err), (0, ""))

    def test_exit_code(self):
        rc, out, err = self.run_job(["-n", "4", PROBE, "exit", "2", "7"])
        self.assertEqual(rc, 7, err)
        self.assertRegex(err, r"parleyrun: rank 2 \(pid \d+\) on \S+ exited with code 7")

    def test_abort_code_and_message(self):
        rc, out, err = self.run_job(["-n", "3", PROBE, "abort", "1", "42"])
        self.assertEqual(rc, 42, err)
        self.assertRegex(err, r"parleyrun: rank 1 on \S+ called MPI_Abort with code 42: probe abort")

    def test_crash_kills_others(self):
        rc, out, err = self.run_job(["-n", "4", PROBE, "signal", "3", str(int(signal.SIGSEGV))])
        self.assertEqual(rc, 128 + signal.SIGSEGV, err)
        self.assertRegex(err, r"parleyrun: rank 3 \(pid \d+\) on \S+ was killed by signal SIGSEGV \(11\)")
        self.assertEqual(len(err.strip().splitlines()), 1, err)  # the killed others are not blamed

    def test_exit_without_finalize(self):
        rc, out, err = self.run_job(["-n", "2", PROBE, "nofinalize", "1"])
        self.assertNotEqual(rc, 0)
        self.assertRegex(err, r"rank 1 \(pid \d+\) on \S+ exited with code 0 without finalizing")

    def test_non_pmix_program(self):
        rc, out, err = self.run_job(["-n", "3", "true"])
        self.assertEqual((rc, out, err), (0, "", ""))
        rc, out, err = self.run_job(["-n", "2", "sh", "-c", "exit 3"])
        self.assertEqual(rc, 3, err)

    def test_shm_files_removed_after_crash(self):
        rc, out, err = self.run_job(["-n", "2", PROBE, "shm", "0"])
        self.assertEqual(rc, 128 + signal.SIGKILL, err)
        self.assertEqual([n for n in os.listdir("/dev/shm") if n.startswith(f"parley-{self.jobs[-1].pid}-")], [])

    # ---- signals and timeout ----

    def signal_case(self, sig, code):
        job = self.start(["-n", "4", PROBE, "hang"])
        job.wait_for_lines(r"^rank \d+ ready$", 4)
        os.kill(job.pid, sig)
        rc, out, err = job.finish()
        self.assertEqual(rc, code, err)

    def test_sigint_forwarded(self):
        self.signal_case(signal.SIGINT, 130)

    def test_sigterm_forwarded(self):
        self.signal_case(signal.SIGTERM, 143)

    def test_timeout_dumps_and_kills(self):
        rc, out, err = self.run_job(["-n", "4", "--timeout", "6", PROBE, "dump"])
        self.assertEqual(rc, 124, err)
        self.assertIn("parleyrun: job timed out after 6 s", err)
        self.assertEqual(sorted(re.findall(r"^rank (\d+): blocked in pause$", out, re.M)), ["0", "1", "2", "3"], out)

    def test_timeout_from_environment(self):
        rc, out, err = self.run_job(["-n", "2", PROBE, "hang"], env={"MPIEXEC_TIMEOUT": "3"})
        self.assertEqual(rc, 124, err)
        self.assertIn("timed out after 3 s", err)

    # ---- I/O and environment ----

    def test_tagged_output(self):
        rc, out, err = self.run_job(["-n", "3", "--tag-output", PROBE, "env", "PARLEY_RANK"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(out.splitlines()),
                         [f"[1,{r}]<stdout>:rank {r} PARLEY_RANK={r}" for r in range(3)])

    def test_whole_lines_under_heavy_output(self):
        rc, out, err = self.run_job(["-n", "8", PROBE, "spam", "1500", "200"])
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 8 * 1500)
        bad = [l for l in lines if not re.fullmatch(r"rank (\d+) line \d+ ([a-z])\2{199}", l)]
        self.assertEqual(bad[:3], [])
        for r in range(8):  # each rank's lines arrive complete and in order
            mine = [int(l.split()[3]) for l in lines if l.startswith(f"rank {r} ")]
            self.assertEqual(mine, list(range(1500)))
        # lines much longer than a pipe's buffer
        rc, out, err = self.run_job(["-n", "4", PROBE, "spam", "20", "200000"])
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 80)
        self.assertEqual([l for l in lines if not re.fullmatch(r"rank (\d+) line \d+ ([a-z])\2{199999}", l)], [])

    def test_stdin_to_rank0(self):
        rc, out, err = self.run_job(["-n", "3", PROBE, "stdin"], input_bytes=b"hello\nworld\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("rank 0 got: hello\nrank 0 got: world\nrank 0 stdin eof\n", out)
        self.assertIn("rank 1 stdin empty", out)
        self.assertIn("rank 2 stdin empty", out)

    def test_env_export(self):
        rc, out, err = self.run_job(["-n", "2", "-x", "PLT_A", "-x", "PLT_B=two", "--env", "PLT_C=three",
                                     "-env", "PLT_D", "four", PROBE, "env", "PLT_A"], env={"PLT_A": "one"})
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(out.splitlines()), ["rank 0 PLT_A=one", "rank 1 PLT_A=one"])
        for var, val in (("PLT_B", "two"), ("PLT_C", "three"), ("PLT_D", "four"), ("PMI_SIZE", "2")):
            rc, out, err = self.run_job(["-n", "2", "-x", "PLT_B=two", "--env", "PLT_C=three", "-env", "PLT_D",
                                         "four", PROBE, "env", var])
            self.assertEqual(sorted(out.splitlines()), [f"rank 0 {var}={val}", f"rank 1 {var}={val}"])

    def test_inherits_environment(self):
        rc, out, err = self.run_job(["-n", "1", PROBE, "env", "PLT_INHERITED"], env={"PLT_INHERITED": "yes"})
        self.assertEqual(out, "rank 0 PLT_INHERITED=yes\n")

    def test_wdir(self):
        d = tempfile.mkdtemp()
        try:
            rc, out, err = self.run_job(["-n", "1", "--wdir", d, "pwd"])
            self.assertEqual((rc, out.strip()), (0, os.path.realpath(d)))
        finally:
            os.rmdir(d)

    def test_aliases_and_version(self):
        bindir = os.path.dirname(PARLEYRUN)
        for alias in ("mpiexec", "mpirun"):
            out = subprocess.run([os.path.join(bindir, alias), "-np", "2", PROBE, "info"], capture_output=True,
                                 text=True, timeout=JOB_TIMEOUT)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(len(out.stdout.splitlines()), 2)
        v = subprocess.run([PARLEYRUN, "--version"], capture_output=True, text=True)
        self.assertRegex(v.stdout, r"^parleyrun \(Parley\) \d+\.\d+")
        h = subprocess.run([PARLEYRUN, "--help"], capture_output=True, text=True)
        self.assertEqual(h.returncode, 0)
        self.assertIn("--timeout", h.stdout)

    def test_hostfile_local(self):
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write("# the local machine\nlocalhost slots=4\n")
        try:
            rc, out, err = self.run_job(["--hostfile", f.name, "-n", "4", PROBE, "info"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(out.splitlines()), 4)
        finally:
            os.unlink(f.name)

    def test_binding_options(self):
        for opts in (["--bind-to", "core"], ["--bind-to", "socket", "--map-by", "socket"], ["--bind-to", "none"],
                     ["--map-by", "node", "--oversubscribe"]):
            with self.subTest(opts=opts):
                rc, out, err = self.run_job(opts + ["-n", "3", PROBE, "info"])
                self.assertEqual(rc, 0, err)
                self.assertEqual(len(out.splitlines()), 3)

    def test_head_killed_leaves_nothing(self):
        job = self.start(["-n", "3", PROBE, "hang"])
        job.wait_for_lines(r"^rank \d+ ready$", 3)
        os.kill(job.pid, signal.SIGKILL)
        job.finish()  # tearDown waits (bounded) for the daemon and ranks to be gone

    # ---- several daemons (the multi-node path, played on one host) ----

    AGENT = ["--host", "nodea:2,nodeb:2", "--launch-agent", "env PLT_AGENT_HOST={host}"]

    def test_two_daemons_via_launch_agent(self):
        rc, out, err = self.run_job(self.AGENT + ["--map-by", "node", "-n", "4", PROBE, "info"])
        self.assertEqual(rc, 0, err)
        hosts = dict(re.findall(r"^rank (\d+) .* peers \S+ host (\S+)", out, re.M))
        self.assertEqual(hosts, {"0": "nodea", "1": "nodeb", "2": "nodea", "3": "nodeb"})
        rc, out, err = self.run_job(self.AGENT + ["--map-by", "node", "-n", "4", PROBE, "fence"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(re.findall(r"fence ok \(4 values\)", out)), 4, out)
        rc, out, err = self.run_job(self.AGENT + ["-n", "4", PROBE, "publish"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(re.findall(r"looked up probe-service=port-42", out)), 3, out)

    def test_fence_tree(self):
        # 4 daemons: fanout 8 (a star under node 0), 1 (a chain: every relay
        # hop), 0 (the tree off: every fence from the head).
        for fanout in ("8", "1", "0"):
            with self.subTest(fanout=fanout):
                rc, out, err = self.run_job(["--host", "na,nb,nc,nd", "--launch-agent", "env PLT_AGENT_HOST={host}",
                                             "-ppn", "2", PROBE, "fences", "50"],
                                            env={"PARLEY_FENCE_FANOUT": fanout, "PARLEY_LAUNCH_STATS": "1"})
                self.assertEqual(rc, 0, err)
                self.assertEqual(sorted(re.findall(r"^rank (\d+) fences ok \(50 rounds\)$", out, re.M)),
                                 [str(r) for r in range(8)])
                tree, direct = map(int, re.search(r"fences: (\d+) down the daemon tree, (\d+) direct", err).groups())
                self.assertEqual(tree + direct, 50, err)
                if fanout == "0":
                    self.assertEqual(tree, 0)
                else:
                    self.assertGreater(tree, 0, err)

    # An agent that starts the daemon in the background and returns, as ssh
    # to a real host behaves for what matters here: the daemon is not the
    # head's descendant, so only its TCP connection ties it to the job.
    DETACHED = ["--host", "na,nb", "--launch-agent", "sh -c '( exec \"$@\" & )' {host}", "-ppn", "2"]

    def test_detached_daemons(self):
        rc, out, err = self.run_job(self.DETACHED + [PROBE, "fence"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(re.findall(r"fence ok \(4 values\)", out)), 4, out)
        # The head dies: the daemons see their connection close and end the job.
        job = self.start(self.DETACHED + [PROBE, "hang"])
        job.wait_for_lines(r"^rank \d+ ready$", 4)
        os.kill(job.pid, signal.SIGKILL)
        job.finish()  # tearDown: no daemon or rank left
        # A daemon dies: the head hears it only through the connection.
        job = self.start(self.DETACHED + [PROBE, "hang"])
        job.wait_for_lines(r"^rank \d+ ready$", 4)
        daemons = [p for p in self.marked_pids(job) if self.cmdline(p).split(" ")[0].endswith("parley-daemon")
                   and "--host nb" in self.cmdline(p)]
        self.assertEqual(len(daemons), 1)
        os.kill(daemons[0], signal.SIGKILL)
        rc, out, err = job.finish()
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, r"lost the daemon on nb \(its connection to parleyrun closed: the daemon died "
                                        r"or the host went down\) with ranks 2,3 still running there$")

    @staticmethod
    def cmdline(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""

    @staticmethod
    def marked_pids(job):
        pids = []
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if job.marker.encode() in f.read():
                        pids.append(int(pid))
            except (OSError, ValueError):
                continue
        return pids

    def test_crash_across_daemons(self):
        rc, out, err = self.run_job(self.AGENT + ["--map-by", "node", "-n", "4", PROBE, "exit", "1", "5"])
        self.assertEqual(rc, 5, err)
        self.assertRegex(err, r"parleyrun: rank 1 \(pid \d+\) on nodeb exited with code 5")

    def placement(self, args):
        """rank -> host name for `args` run through the env agent on nodea..nodec."""
        rc, out, err = self.run_job(["--launch-agent", "env PLT_AGENT_HOST={host}"] + args + [PROBE, "info"])
        self.assertEqual(rc, 0, err)
        return [h for _, h in sorted((int(r), h) for r, h in re.findall(r"^rank (\d+) .* host (\S+)", out, re.M))]

    def test_placement(self):
        a, b, c = "nodea", "nodeb", "nodec"
        cases = [
            (["--host", "nodea:2,nodeb:2", "-n", "4"], [a, a, b, b]),
            (["--host", "nodea:2,nodeb:2", "-n", "3"], [a, a, b]),
            (["--host", "nodea:2,nodeb:2", "--map-by", "node", "-n", "4"], [a, b, a, b]),
            (["--host", "nodea,nodeb,nodec", "-ppn", "1"], [a, b, c]),  # no -n: ppn x hosts
            (["--host", "nodea,nodeb", "-ppn", "2"], [a, a, b, b]),
            (["--host", "nodea,nodeb", "--map-by", "ppr:2:node", "-n", "3"], [a, a, b]),
            (["--host", "nodea,nodeb", "--npernode", "1", "-n", "4", "--oversubscribe"], [a, b, a, b]),
            (["--host", "nodea:1,nodeb:1", "-n", "3", "--oversubscribe"], [a, b, a]),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                self.assertEqual(self.placement(args), want)
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write("nodea slots=1  # one\nnodeb:2\n")
        try:
            self.assertEqual(self.placement(["--hostfile", f.name, "-n", "3"]), [a, b, b])
        finally:
            os.unlink(f.name)

    def test_slots_and_duplicates(self):
        agent = ["--launch-agent", "env PLT_AGENT_HOST={host}"]
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write("nodea slots=2\nnodeb slots=1\n")
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as dup:
            dup.write("nodea slots=2\nnodeb\nnodea slots=1\n")
        cases = [
            (["--hostfile", f.name, "-n", "4"], r"4 ranks do not fit in 3 slots \(nodea: 2, nodeb: 1\); give more "
                                                r"slots or add --oversubscribe$"),
            (["--host", "nodea,nodeb", "-n", "3"], r"3 ranks do not fit in 2 slots"),
            (["--host", "nodea,nodeb", "--map-by", "node", "-n", "3"], r"host 'nodea' has 1 slot and would get 2"),
            (["--host", "nodea,nodeb", "-ppn", "1", "-n", "3"], r"host 'nodea' has 1 slot and would get 2"),
            (["--host", "localhost:2", "-n", "3"], r"3 ranks do not fit in 2 slots \(localhost: 2\)"),
            (["--host", "nodea,nodeb,nodea", "-n", "2"], r"--host: host 'nodea' is listed twice"),
            (["--hostfile", dup.name, "-n", "2"], dup.name + r":3: host 'nodea' is listed twice"),
            (["--host", "localhost,127.0.0.1", "-n", "2"], r"host '127\.0\.0\.1' is listed twice \(as 'localhost', "
                                                           r"the same machine\)"),
            (["--map-by", "ppr:2:socket", "-n", "2"], r"only ppr:N:node is supported"),
            (["-ppn", "0", "-n", "2"], r"-ppn: the count must be at least 1"),
        ]
        try:
            for args, pattern in cases:
                with self.subTest(args=args):
                    rc, out, err = self.run_job(agent + args + [PROBE, "info"])
                    self.assertEqual(rc, 1, err)
                    self.assertEqual(out, "")
                    self.assert_one_error_line(err, pattern)
        finally:
            os.unlink(f.name)
            os.unlink(dup.name)

    def test_agent_failures(self):
        cases = [
            (["--launch-agent", "false"], r"^parleyrun: cannot start the daemon on node[ab]: the launch agent 'false' "
                                          r"exited with code 1 before the daemon connected back$"),
            (["--launch-agent", "/no/such/agent {host}"], r"cannot start the daemon on node[ab]: cannot run "
                                                          r"'/no/such/agent': No such file or directory"),
            (["--launch-agent", "sh -c 'echo no route to {host} >&2; exit 3'"],
             r"cannot start the daemon on node[ab]: no route to node[ab] \(launch agent .* exited with code 3\)$"),
            (["--launch-agent", "true"], r"cannot start the daemon on node[ab]: the launch agent 'true' exited with "
                                         r"code 0 and no daemon connected back$"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args):
                rc, out, err = self.run_job(["--host", "nodea,nodeb", "-n", "2"] + args + [PROBE, "info"])
                self.assertEqual(rc, 1, err)
                self.assert_one_error_line(err, pattern)
        # An agent that hangs: the connect timeout ends the job, the agent is killed (tearDown).
        rc, out, err = self.run_job(["--host", "nodea,nodeb", "-n", "2", "--launch-agent",
                                     "sh -c 'sleep 60' {host}", PROBE, "info"], env={"PARLEY_CONNECT_TIMEOUT": "1"})
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, r"cannot start the daemon on node[ab]: it did not connect back to parleyrun "
                                        r"within 1 s")
        # PARLEY_HEAD_ADDRESS chooses the address the daemons are given.
        rc, out, err = self.run_job(["--host", "nodea", "--launch-agent", "env PLT_AGENT_HOST={host}", PROBE, "info"],
                                    env={"PARLEY_HEAD_ADDRESS": "127.0.0.1"})
        self.assertEqual(rc, 0, err)  # the override itself works

    # ---- bad input ----

    def test_bad_input(self):
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write("localhost slots=abc\n")
        unreadable = tempfile.mkdtemp()  # a directory cannot be read as a hostfile
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as plain:
            plain.write("not a program\n")
        os.chmod(plain.name, 0o644)
        cases = [
            (["--frobnicate", "-n", "2", PROBE, "info"], r"unknown option '--frobnicate'"),
            (["-n", "2", "./no-such-program"], r"\./no-such-program: no such executable"),
            (["-n", "2", "no-such-program-on-path"], r"no-such-program-on-path: no such executable"),
            (["-n", "0", PROBE, "info"], r"-n: the count must be at least 1"),
            (["-n", "abc", PROBE, "info"], r"-n: 'abc' is not a number"),
            (["-n"], r"-n: missing value"),
            (["-n", "2"], r"no executable given"),
            ([], r"no executable given"),
            (["--hostfile", "/no/such/hostfile", PROBE, "info"], r"--hostfile: cannot read"),
            (["--hostfile", unreadable, PROBE, "info"], r"--hostfile: cannot read"),
            (["--hostfile", f.name, PROBE, "info"], r"'abc' is not a number"),
            (["--host", "elsewhere.invalid", PROBE, "info"], r"cannot start the daemon on elsewhere\.invalid: "),
            (["--bind-to", "board", PROBE, "info"], r"--bind-to: 'board' is not one of"),
            (["--timeout", "soon", PROBE, "info"], r"--timeout: 'soon' is not a positive number"),
            (["-n", "1", PROBE, "info", ":"], r"nothing after the last ':'"),
            (["--wdir", "/no/such/dir", PROBE, "info"], r"--wdir: '/no/such/dir' is not a directory"),
            (["-n", "1", plain.name], r"not executable"),
        ]
        try:
            for args, pattern in cases:
                with self.subTest(args=args):
                    rc, out, err = self.run_job(args)
                    self.assertEqual(rc, 1, err)
                    self.assertEqual(out, "")
                    self.assert_one_error_line(err, pattern)
        finally:
            os.unlink(f.name)
            os.unlink(plain.name)
            os.rmdir(unreadable)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
