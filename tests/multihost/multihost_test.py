#!/usr/bin/env python3
"""Jobs across several hosts played by network namespaces (netns.py).

Each case builds its hosts, runs parleyrun in the first host's namespace with
`--launch-agent 'ip netns exec {host}'`, and afterwards checks that nothing
is left running in any namespace (and, as in the launcher tests, no process
carrying the case's marker and no file in the job's TMPDIR). Without
namespaces the same checks run on loopback (netns.py says so on stderr).

Run one case: PARLEYRUN=... PMIX_PROBE=... multihost_test.py MultiHostTest.test_hello
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
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "launcher"))
import netns  # noqa: E402
from job_support import JobBase, assert_one_error_line, wait_until  # noqa: E402

PARLEYRUN = os.path.abspath(os.environ.get("PARLEYRUN", "parleyrun"))
PROBE = os.path.abspath(os.environ.get("PMIX_PROBE", "pmix_probe"))
JOB_TIMEOUT = 60
# Rank placement, node id and the network namespace the rank really runs in.
WHERE = ["sh", "-c", 'echo "rank $PARLEY_RANK node $PARLEY_NODE_ID local $PARLEY_LOCAL_RANK '
                     'net $(readlink /proc/self/ns/net)"']


class Job(JobBase):
    timeout = JOB_TIMEOUT

    def __init__(self, hosts, args, env=None, stdin=subprocess.DEVNULL):
        e = dict(hosts.env)
        e.update(env or {})
        super().__init__(hosts.head_prefix + [PARLEYRUN] + args, env=e, stdin=stdin, tmp_prefix="pmh-")

    def wait_for_lines(self, pattern, count, timeout=30):
        return super().wait_for_lines(pattern, count, timeout).decode(errors="replace")

    def marked_processes(self, extra=None):
        """(pid, cmdline) of live processes carrying our marker (and `extra` in their environment)."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    env = f.read()
                if self.marker.encode() not in env or (extra and extra.encode() not in env.split(b"\0")):
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as c:
                    cmd = c.read().replace(b"\0", b" ").decode(errors="replace").strip()
                if cmd:
                    found.append((int(pid), cmd))
            except OSError:
                continue
        return found

    def leftovers(self):
        files = []
        for root, dirs, names in os.walk(self.tmpdir):
            files += [os.path.join(root, n) for n in names + dirs]
        return [f"{p}: {c}" for p, c in self.marked_processes()], files


class MultiHostBase(unittest.TestCase):
    """Hosts per case, and the check that nothing is left behind."""
    HOSTS = 3

    def setUp(self):
        self.hosts = netns.Hosts(self.HOSTS, isolated=True)
        self.addCleanup(self.hosts.close)
        self.jobs = []

    def tearDown(self):
        for job in self.jobs:
            if job.proc.poll() is None:
                job.proc.kill()
                job.proc.wait()
        state = {}

        def clean():
            state["ns"] = self.hosts.processes() if self.hosts.netns else []
            state["jobs"] = [job.leftovers() for job in self.jobs]
            return not state["ns"] and not any(p or f for p, f in state["jobs"])

        ok = wait_until(clean, 5.0)
        for job in self.jobs:
            shutil.rmtree(job.tmpdir, ignore_errors=True)
        self.assertTrue(ok, f"left behind: in namespaces {state['ns']}; per job (processes, files) {state['jobs']}")

    # ---- helpers ----

    def start(self, args, **kw):
        job = Job(self.hosts, args, **kw)
        self.jobs.append(job)
        return job

    def run_job(self, args, input_bytes=None, env=None):
        job = self.start(args, env=env, stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL)
        return job.finish(input_bytes=input_bytes)

    def on(self, names, extra=()):
        return ["--host", ",".join(names), "--launch-agent", self.hosts.agent] + list(extra)

    def assert_one_error_line(self, err, pattern):
        assert_one_error_line(self, err, pattern, ignore="network namespaces unavailable")

    def layouts(self):
        for nhosts in (2, 3):
            for ppn in (1, 2):
                yield self.hosts.names[:nhosts], ppn


class MultiHostTest(MultiHostBase):
    # ---- placement, job information, fences ----

    def test_hello(self):
        for names, ppn in self.layouts():
            with self.subTest(hosts=len(names), ppn=ppn):
                n = len(names) * ppn
                rc, out, err = self.run_job(self.on(names, ["-ppn", str(ppn)]) + WHERE)
                self.assertEqual(rc, 0, err)
                seen = sorted((int(r), int(node), int(lr), net) for r, node, lr, net in
                              re.findall(r"^rank (\d+) node (\d+) local (\d+) net (\S+)$", out, re.M))
                self.assertEqual([(r, node, lr) for r, node, lr, _ in seen],
                                 [(r, r // ppn, r % ppn) for r in range(n)], out)
                if self.hosts.netns:  # each rank runs inside its host's namespace
                    for r, node, _, net in seen:
                        self.assertEqual(net, f"net:[{self.hosts.netns_inode(names[node])}]", (r, node))

                rc, out, err = self.run_job(self.on(names, ["-ppn", str(ppn)]) + [PROBE, "info"])
                self.assertEqual(rc, 0, err)
                info = {int(m[0]): m[1:] for m in re.findall(
                    r"^rank (\d+) size (\d+) local_rank (\d+) local_size (\d+) peers (\S+) host (\S+)", out, re.M)}
                self.assertEqual(sorted(info), list(range(n)), out)
                for r, (size, lrank, lsize, peers, host) in info.items():
                    node = r // ppn
                    self.assertEqual((size, lrank, lsize, host), (str(n), str(r % ppn), str(ppn), names[node]))
                    self.assertEqual(peers, ",".join(str(node * ppn + k) for k in range(ppn)))

                rc, out, err = self.run_job(self.on(names, ["-ppn", str(ppn)]) + [PROBE, "fence"])
                self.assertEqual(rc, 0, err)
                self.assertEqual(sorted(re.findall(r"^rank (\d+) fence ok \((\d+) values\)$", out, re.M)),
                                 sorted((str(r), str(n)) for r in range(n)))

    def test_fence_tree(self):
        # Fences passed down the daemon tree: a chain h1 -> h2 -> h3 (fanout 1)
        # whose links run between the namespaces, and a star (fanout 2).
        for fanout in ("1", "2"):
            with self.subTest(fanout=fanout):
                rc, out, err = self.run_job(self.on(self.hosts.names, ["-ppn", "2"]) + [PROBE, "fences", "40"],
                                            env={"PARLEY_FENCE_FANOUT": fanout, "PARLEY_LAUNCH_STATS": "1"})
                self.assertEqual(rc, 0, err)
                self.assertEqual(len(re.findall(r"^rank \d+ fences ok \(40 rounds\)$", out, re.M)), 6, out)
                tree, direct = map(int, re.search(r"fences: (\d+) down the daemon tree, (\d+) direct", err).groups())
                self.assertEqual(tree + direct, 40, err)
                self.assertGreater(tree, 0, err)

    def test_map_by_node_and_hostfile(self):
        names = self.hosts.names
        rc, out, err = self.run_job(self.on(names, ["--map-by", "node", "-n", "5", "--oversubscribe"]) + WHERE)
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted((int(r), int(n)) for r, n in re.findall(r"^rank (\d+) node (\d+)", out, re.M)),
                         [(0, 0), (1, 1), (2, 2), (3, 0), (4, 1)])
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write(f"{names[0]} slots=1\n{names[1]}:2  # two\n")
        try:
            rc, out, err = self.run_job(["--hostfile", f.name, "--launch-agent", self.hosts.agent, "-n", "3"] + WHERE)
            self.assertEqual(rc, 0, err)
            self.assertEqual(sorted((int(r), int(n)) for r, n in re.findall(r"^rank (\d+) node (\d+)", out, re.M)),
                             [(0, 0), (1, 1), (2, 1)])
        finally:
            os.unlink(f.name)

    # ---- stdio ----

    def test_stdin_stdout(self):
        # Rank 0 on the second host: stdin crosses from the head's host to it.
        names = [self.hosts.names[1], self.hosts.names[0], self.hosts.names[2]]
        rc, out, err = self.run_job(self.on(names, ["-ppn", "1"]) + [PROBE, "stdin"],
                                    input_bytes=b"hello\nacross\nhosts\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("rank 0 got: hello\nrank 0 got: across\nrank 0 got: hosts\nrank 0 stdin eof\n", out)
        self.assertIn("rank 1 stdin empty", out)
        self.assertIn("rank 2 stdin empty", out)
        rc, out, err = self.run_job(self.on(self.hosts.names, ["-ppn", "2", "--tag-output"]) +
                                    [PROBE, "spam", "300", "500"])
        self.assertEqual(rc, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 6 * 300)
        for r in range(6):
            mine = [l for l in lines if l.startswith(f"[1,{r}]<stdout>:rank {r} line ")]
            self.assertEqual([int(l.split()[3]) for l in mine], list(range(300)))
            self.assertTrue(all(re.fullmatch(r"\S+ \d+ line \d+ ([a-z])\1{499}", l) for l in mine))

    # ---- exit statuses and signals ----

    def test_exit_codes(self):
        names = self.hosts.names
        rc, out, err = self.run_job(self.on(names, ["-ppn", "1"]) + [PROBE, "info"])
        self.assertEqual((rc, err.replace(self.fallback_line(err), "")), (0, ""))
        rc, out, err = self.run_job(self.on(names, ["-ppn", "1"]) + [PROBE, "exit", "1", "5"])
        self.assertEqual(rc, 5, err)
        self.assert_one_error_line(err, rf"rank 1 \(pid \d+\) on {names[1]} exited with code 5$")
        rc, out, err = self.run_job(self.on(names, ["-ppn", "2"]) + [PROBE, "signal", "5", str(int(signal.SIGSEGV))])
        self.assertEqual(rc, 128 + signal.SIGSEGV, err)
        self.assert_one_error_line(err, rf"rank 5 \(pid \d+\) on {names[2]} was killed by signal SIGSEGV")
        rc, out, err = self.run_job(self.on(names[:2], ["-ppn", "2"]) + [PROBE, "abort", "3", "42"])
        self.assertEqual(rc, 42, err)
        self.assert_one_error_line(err, rf"rank 3 on {names[1]} called MPI_Abort with code 42")

    def fallback_line(self, err):
        m = re.search(r"^network namespaces unavailable:.*\n", err, re.M)
        return m.group(0) if m else "\0"

    def hang_job(self, names, ppn=1):
        job = self.start(self.on(names, ["-ppn", str(ppn)]) + [PROBE, "hang"])
        job.wait_for_lines(r"^rank \d+ ready$", len(names) * ppn)
        return job

    def test_signals_forwarded(self):
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(sig=sig):
                job = self.hang_job(self.hosts.names, 2)
                os.kill(job.pid, sig)
                rc, out, err = job.finish()
                self.assertEqual(rc, code, err)

    def test_head_killed_leaves_nothing(self):
        job = self.hang_job(self.hosts.names)
        os.kill(job.pid, signal.SIGKILL)
        job.finish()  # tearDown waits (bounded) until every namespace is empty

    # ---- faults ----

    def daemon_pid(self, job, host):
        if self.hosts.netns:
            procs = [(int(p), self.cmdline(p)) for p in
                     subprocess.run(["ip", "netns", "pids", host], capture_output=True, text=True).stdout.split()]
        else:
            procs = job.marked_processes(extra=f"PARLEY_TEST_HOST={host}")
        pids = [p for p, cmd in procs if "parley-daemon" in cmd.split(" ")[0]]
        self.assertEqual(len(pids), 1, procs)
        return pids[0]

    @staticmethod
    def cmdline(pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""

    def test_remote_daemon_killed(self):
        names = self.hosts.names
        job = self.hang_job(names, 2)
        os.kill(self.daemon_pid(job, names[1]), signal.SIGKILL)
        rc, out, err = job.finish()
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, rf"lost the daemon on {names[1]} \(its connection to parleyrun closed: "
                                        r"the daemon died or the host went down\) with ranks 2,3 still running there")

    def test_remote_rank_killed(self):
        names = self.hosts.names
        job = self.hang_job(names)
        rank2 = [p for p, cmd in job.marked_processes(extra="PARLEY_RANK=2") if cmd.startswith(PROBE)]
        self.assertEqual(len(rank2), 1)
        os.kill(rank2[0], signal.SIGKILL)
        rc, out, err = job.finish()
        self.assertEqual(rc, 128 + signal.SIGKILL, err)
        self.assert_one_error_line(err, rf"rank 2 \(pid {rank2[0]}\) on {names[2]} was killed by signal SIGKILL")

    def test_agent_fails(self):
        rc, out, err = self.run_job(["--host", ",".join(self.hosts.names[:2]), "--launch-agent", "false", "-n", "2",
                                     PROBE, "info"])
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, r"cannot start the daemon on \S+: the launch agent 'false' exited with "
                                        r"code 1 before the daemon connected back$")

    def test_unknown_host(self):
        if self.hosts.netns:  # a namespace that does not exist: `ip netns exec` fails
            missing = f"parley-{os.getpid()}-missing"
            args = self.on([self.hosts.names[0], missing], ["-ppn", "1"])
        else:
            missing = "elsewhere.invalid"
            args = ["--host", f"{self.hosts.names[0]},{missing}", "-ppn", "1", "--launch-agent",
                    f"sh -c 'case $0 in {missing}) exec ssh $0 \"$@\";; *) exec env \"$@\";; esac' {{host}}"]
        rc, out, err = self.run_job(args + [PROBE, "info"])
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, rf"cannot start the daemon on {missing}: .*\(launch agent .* exited with code")

    def test_unreachable_host(self):
        if self.hosts.netns:  # a namespace with only lo: the head's 10.213.0.1 has no route there
            x = self.hosts.isolated
            args = self.on([self.hosts.names[0], x], ["-ppn", "1"])
            why = r"10\.213\.0\.1:\d+: Network is unreachable.*"
            agent = r"ip netns exec \{host\}"
        else:  # on loopback: the agent points the daemon at an address with no route
            x = self.hosts.names[1]
            agent = (f"sh -c 'd=$2; if [ $1 = {x} ]; then shift 4; exec \"$d\" --head 0.0.0.1 \"$@\"; fi; "
                     f"shift 2; exec \"$d\" \"$@\"' x {{host}}")
            args = ["--host", f"{self.hosts.names[0]},{x}", "-ppn", "1", "--launch-agent", agent]
            why = r"0\.0\.0\.1:\d+: Network is unreachable"
            agent = re.escape(agent)
        rc, out, err = self.run_job(args + [PROBE, "info"])
        self.assertEqual(rc, 1, err)
        self.assert_one_error_line(err, rf"cannot start the daemon on {x}: parley-daemon on {x}: cannot connect back "
                                        rf"to parleyrun \({why}\) \(launch agent '{agent}' exited with code 1\)$")

    def test_bad_host_lists(self):
        names = self.hosts.names
        with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
            f.write(f"{names[0]} slots=1\n{names[1]} slots=1\n")
        try:
            cases = [
                (self.on([names[0], names[1], names[0]], ["-n", "2"]), rf"--host: host '{names[0]}' is listed twice"),
                (["--hostfile", f.name, "--launch-agent", self.hosts.agent, "-n", "3"],
                 r"3 ranks do not fit in 2 slots .*; give more slots or add --oversubscribe$"),
            ]
            for args, pattern in cases:
                with self.subTest(args=args):
                    rc, out, err = self.run_job(args + [PROBE, "info"])
                    self.assertEqual((rc, out), (1, ""), err)
                    self.assert_one_error_line(err, pattern)
            rc, out, err = self.run_job(["--hostfile", f.name, "--launch-agent", self.hosts.agent, "-n", "3",
                                         "--oversubscribe", PROBE, "info"])
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(out.splitlines()), 3)
        finally:
            os.unlink(f.name)


class MultiHostMpiTest(MultiHostBase):
    """MPI programs (tests/mpi) across 2 and 3 hosts, ranks on different
    hosts talking over libfabric (transport/ofi)."""

    def mpi_case(self, env_var, ok_text, layouts, extra_env=None):
        prog = os.environ.get(env_var)
        self.assertTrue(prog, f"{env_var} is not set")
        for nhosts, ppn in layouts:
            with self.subTest(hosts=nhosts, ppn=ppn):
                n = nhosts * ppn
                # The "hosts" share this machine's cores, each believing it
                # has them all; default settings: waits spin for a bounded
                # time only, so ranks sharing a core unknowingly still move.
                env = dict(extra_env or {})
                rc, out, err = self.run_job(self.on(self.hosts.names[:nhosts], ["-ppn", str(ppn), "--timeout", "60"]) +
                                            [prog], env=env)
                self.assertEqual(rc, 0, f"stdout {out[-2000:]!r} stderr {err[-2000:]!r}")
                self.assertEqual(len([l for l in out.splitlines() if ok_text in l]), n, out[-2000:])

    # Layouts chosen for time (over TCP on 2 shared cores every run costs
    # seconds; p2p with 2 ranks per host takes 13-19 s): 2 and 3 hosts, 1 and
    # 2 ranks per host, shm and ofi pairs mixed in the 2-per-host runs.
    def test_mpi_hello(self):
        self.mpi_case("MPI_HELLO", "hello rank=", [(3, 2)])

    def test_mpi_p2p(self):
        self.mpi_case("MPI_P2P_TEST", "p2p ok", [(2, 1), (3, 1)])

    def test_mpi_coll(self):
        self.mpi_case("MPI_COLL_TEST", "coll ok", [(2, 2), (3, 1)])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
