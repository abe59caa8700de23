"""Several "hosts" on one machine, for multi-host launcher tests.

With root (CAP_NET_ADMIN) and iproute2, each host is a network namespace
parley-<pid>-h<i> with a veth eth0 on a bridge that lives in a namespace of
its own (parley-<pid>-sw); host i has 10.213.0.<i>/24, a subnet that exists
only inside these namespaces (each run has its own bridge, so parallel runs
may reuse it). The head runs in the first host's namespace and starts the
daemons with `--launch-agent 'ip netns exec {host}'`; host names are the
namespace names. An optional isolated host (parley-<pid>-x) has only `lo`:
nothing in it can reach the head.

Without them, Hosts says so on stderr and plays the hosts on loopback with
the `env PARLEY_TEST_HOST={host}` agent (every daemon in the root namespace),
with PARLEY_TRANSPORT=ofi so ranks still talk over libfabric.

Namespaces are removed on close(), at exit, and on SIGTERM/SIGINT/SIGHUP; a
namespace left by a run that was SIGKILLed is removed by the next run.
"""
import atexit
import os
import re
import shutil
import signal
import subprocess
import sys

SUBNET = "10.213.0"
_live = []  # Hosts objects not yet closed, for atexit / signals
_handlers_installed = False


def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {r.stderr.strip() or 'exit code %d' % r.returncode}")
    return r.stdout


def _cleanup_all(*_):
    for h in list(_live):
        h.close()


def _on_signal(sig, frame):
    _cleanup_all()
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_cleanup_all)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        if signal.getsignal(s) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(s, _on_signal)


def _remove_stale():
    """Namespaces parley-<pid>-* whose run is gone (a SIGKILLed test)."""
    try:
        names = _ip("netns", "list", check=False).split("\n")
    except (OSError, subprocess.SubprocessError):
        return
    for line in names:
        m = re.match(r"(parley-(\d+)-\S+)", line.strip())
        if m and not os.path.exists(f"/proc/{m.group(2)}"):
            _kill_inside(m.group(1))
            _ip("netns", "del", m.group(1), check=False)


def _kill_inside(ns):
    for pid in _ip("netns", "pids", ns, check=False).split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def netns_unavailable():
    """None when namespaces can be made here, else the reason."""
    if os.environ.get("PARLEY_TEST_NO_NETNS"):
        return "PARLEY_TEST_NO_NETNS is set"
    if not shutil.which("ip"):
        return "the 'ip' command (iproute2) is not installed"
    probe = f"parley-{os.getpid()}-probe"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"'ip netns add' failed: {r.stderr.strip() or 'exit code %d' % r.returncode} (needs root / CAP_NET_ADMIN)"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


class Hosts:
    """`count` hosts (and one isolated host if `isolated`).

    names:       host names to give --host (first = where the head runs)
    agent:       the --launch-agent value
    head_prefix: command words to put before parleyrun
    env:         variables the job needs (PARLEY_TRANSPORT=ofi on loopback)
    netns:       True with real namespaces
    """

    def __init__(self, count, isolated=False):
        self.pid = os.getpid()
        self.namespaces = []
        self.closed = False
        reason = netns_unavailable()
        self.netns = reason is None
        if not self.netns:
            print(f"network namespaces unavailable: {reason}; running the same checks on loopback with "
                  f"PARLEY_TRANSPORT=ofi", file=sys.stderr, flush=True)
            self.names = [f"h{i}" for i in range(1, count + 1)]
            self.isolated = "elsewhere.invalid" if isolated else None  # unreachable: ssh cannot resolve it
            self.agent = "env PARLEY_TEST_HOST={host}"
            self.head_prefix = []
            self.env = {"PARLEY_TRANSPORT": "ofi"}
            return
        _install_handlers()
        _remove_stale()
        _live.append(self)
        self.env = {}
        base = f"parley-{self.pid}"
        self.names = [f"{base}-h{i}" for i in range(1, count + 1)]
        self.isolated = f"{base}-x" if isolated else None
        self.agent = "ip netns exec {host}"
        self.head_prefix = ["ip", "netns", "exec", self.names[0]]
        try:
            sw = f"{base}-sw"
            _ip("netns", "add", sw)
            self.namespaces.append(sw)
            _ip("-n", sw, "link", "add", "br0", "type", "bridge")
            _ip("-n", sw, "link", "set", "br0", "up")
            for i, ns in enumerate(self.names, 1):
                _ip("netns", "add", ns)
                self.namespaces.append(ns)
                _ip("link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", f"p{i}", "netns", sw)
                _ip("-n", sw, "link", "set", f"p{i}", "master", "br0", "up")
                _ip("-n", ns, "addr", "add", f"{SUBNET}.{i}/24", "dev", "eth0")
                _ip("-n", ns, "link", "set", "eth0", "up")
                _ip("-n", ns, "link", "set", "lo", "up")
            if self.isolated:
                _ip("netns", "add", self.isolated)
                self.namespaces.append(self.isolated)
                _ip("-n", self.isolated, "link", "set", "lo", "up")
        except Exception:
            self.close()
            raise

    def address(self, name):
        """The host's address on the test subnet (netns mode)."""
        return f"{SUBNET}.{self.names.index(name) + 1}"

    def netns_inode(self, name):
        """Inode of the host's network namespace (what /proc/PID/ns/net links to)."""
        return os.stat(f"/run/netns/{name}").st_ino

    def processes(self):
        """'ns: pid cmdline' for every process still inside our namespaces."""
        out = []
        for ns in self.namespaces:
            for pid in _ip("netns", "pids", ns, check=False).split():
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    continue
                if cmd:  # zombies have none
                    out.append(f"{ns}: {pid} {cmd}")
        return out

    def close(self):
        if self.closed:
            return
        self.closed = True
        for ns in reversed(self.namespaces):
            _kill_inside(ns)
            _ip("netns", "del", ns, check=False)
        self.namespaces = []
        if self in _live:
            _live.remove(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
