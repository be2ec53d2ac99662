"""Start Redis topologies on loopback from the system's ``redis-server`` for the fleet tests.

* ``single``: one server.
* ``cluster``: 3 masters with one replica each (``cluster-node-timeout`` 1 s, so a killed
  master's replica takes over within seconds).
* ``sentinel``: a primary, one replica and 3 Sentinels (quorum 2, ``down-after`` 1 s).

``python -m tests.redis.topologies up DIR`` starts all three under DIR and prints ``export``
lines with their addresses (``.ci/run`` evaluates them); ``… down DIR`` stops every server
started under DIR. ``tests/redis/conftest.py`` calls the same functions when the variables are
unset and ``redis-server`` exists. Every wait polls a condition with a deadline; no sleeps of a
guessed length.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

ENV_SINGLE = "SEATABLE_ASYNC_TEST_REDIS_URL"
ENV_CLUSTER = "SEATABLE_ASYNC_TEST_REDIS_CLUSTER_URL"
ENV_SENTINELS = "SEATABLE_ASYNC_TEST_REDIS_SENTINELS"
ENV_SERVICE = "SEATABLE_ASYNC_TEST_REDIS_SENTINEL_SERVICE"
SERVICE = "fleet"
KINDS = ("single", "cluster", "sentinel")

_COMMON = {
    "bind": "127.0.0.1",
    "save": '""',
    "appendonly": "no",
    "daemonize": "yes",
    "protected-mode": "no",
}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` (errors count as "not yet") until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            if condition():
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(pause)  # polling interval of a bounded wait, not a guess
        pause = min(0.2, pause * 1.5)


def free_ports(n: int, *, with_bus: bool = False) -> list[int]:
    """``n`` free loopback ports (and, for cluster nodes, free bus ports at +10000)."""
    ports: list[int] = []
    held: list[socket.socket] = []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            held.append(s)
            port = int(s.getsockname()[1])
            if with_bus:
                if port + 10000 > 65535:
                    continue
                bus = socket.socket()
                try:
                    bus.bind(("127.0.0.1", port + 10000))
                except OSError:
                    bus.close()
                    continue
                held.append(bus)
            ports.append(port)
    finally:
        for s in held:
            s.close()
    return ports


def info(port: int, section: str = "all") -> dict[str, str]:
    """``INFO section`` of the server at ``port``, as strings."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        raw = client.info(section)
    finally:
        client.close()
    return {k: str(v) for k, v in raw.items()}


def start_server(
    home: Path, name: str, port: int, settings: dict[str, str], *, sentinel: bool = False
) -> Path:
    """Write ``home/name/redis.conf`` and start ``redis-server`` on it; return the file."""
    node = home / name
    node.mkdir(parents=True, exist_ok=True)
    lines = {
        **_COMMON,
        "port": str(port),
        "dir": str(node),
        "pidfile": str(node / "redis.pid"),
        "logfile": str(node / "redis.log"),
    }
    conf = node / "redis.conf"
    text = "".join(f"{k} {v}\n" for k, v in lines.items())
    text += "".join(f"{k} {v}\n" for k, v in settings.items())
    conf.write_text(text)
    restart(conf, sentinel=sentinel)
    return conf


def restart(conf: Path, *, sentinel: bool = False) -> None:
    """Start ``redis-server`` on an existing config file and wait until it answers."""
    args = ["redis-server", str(conf)] + (["--sentinel"] if sentinel else [])
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = int(
        next(line.split()[1] for line in conf.read_text().splitlines() if line.startswith("port "))
    )

    def answers() -> bool:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()  # else its socket leaks into whichever test collects it

    wait_until(answers, f"redis on port {port}")


def start_single(home: Path) -> dict[str, str]:
    (port,) = free_ports(1)
    start_server(home, "node", port, {})
    return {ENV_SINGLE: f"redis://127.0.0.1:{port}/0"}


def cluster_healthy(ports: list[int]) -> bool:
    """Every node sees the whole cluster, state ok, and every replica is in sync."""
    for port in ports:
        cl = info_cluster(port)
        if cl.get("cluster_state") != "ok" or cl.get("cluster_known_nodes") != str(len(ports)):
            return False
        rep = info(port, "replication")
        if rep.get("role") == "slave" and rep.get("master_link_status") != "up":
            return False
    return True


def info_cluster(port: int) -> dict[str, str]:
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        text = client.execute_command("CLUSTER INFO")
    finally:
        client.close()
    if isinstance(text, bytes):
        text = text.decode()
    if isinstance(text, dict):
        return {str(k): str(v) for k, v in text.items()}
    return dict(line.split(":", 1) for line in str(text).split() if ":" in line)


def start_cluster(home: Path) -> dict[str, str]:
    ports = free_ports(6, with_bus=True)
    settings = {
        "cluster-enabled": "yes",
        "cluster-config-file": "nodes.conf",
        "cluster-node-timeout": "1000",
        "cluster-replica-validity-factor": "0",
    }
    for i, port in enumerate(ports):
        start_server(home, f"node-{i}", port, settings)
    subprocess.run(
        [
            "redis-cli",
            "--cluster",
            "create",
            *(f"127.0.0.1:{p}" for p in ports),
            "--cluster-replicas",
            "1",
            "--cluster-yes",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    wait_until(lambda: cluster_healthy(ports), "the cluster to be ok with replicas in sync")
    return {ENV_CLUSTER: f"redis://127.0.0.1:{ports[0]}"}


def sentinel_healthy(sentinels: list[int], service: str = SERVICE) -> bool:
    """Every Sentinel knows the others and a replica, and the replica is in sync."""
    for port in sentinels:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
        try:
            state = client.sentinel_master(service)
        finally:
            client.close()
        if int(state["num-other-sentinels"]) != len(sentinels) - 1 or state["num-slaves"] < 1:
            return False
        if "s_down" in state["flags"] or "o_down" in state["flags"]:
            return False
    addr = master_address(sentinels, service)
    replicas = _sentinel_replicas(sentinels[0], service)
    if not replicas:
        return False
    for _host, port in replicas:
        rep = info(port, "replication")
        if rep.get("master_link_status") != "up" or rep.get("master_port") != str(addr[1]):
            return False
    return info(addr[1], "replication").get("role") == "master"


def _sentinel_replicas(port: int, service: str) -> list[tuple[str, int]]:
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        replicas = client.sentinel_slaves(service)
    finally:
        client.close()
    return [
        (r["ip"], int(r["port"]))
        for r in replicas
        if "s_down" not in r["flags"] and "disconnected" not in r["flags"]
    ]


def master_address(sentinels: list[int], service: str = SERVICE) -> tuple[str, int]:
    """The primary's address as the first answering Sentinel reports it."""
    for port in sentinels:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
        try:
            host, p = client.sentinel_get_master_addr_by_name(service)
            return str(host), int(p)
        except (redis.RedisError, OSError, TypeError):
            continue
        finally:
            client.close()
    raise redis.ConnectionError("no Sentinel answered")


def start_sentinel(home: Path) -> dict[str, str]:
    primary, replica, *sentinels = free_ports(5)
    start_server(home, "primary", primary, {})
    start_server(home, "replica", replica, {"replicaof": f"127.0.0.1 {primary}"})
    for i, port in enumerate(sentinels):
        start_server(
            home,
            f"sentinel-{i}",
            port,
            {
                "sentinel monitor": f"{SERVICE} 127.0.0.1 {primary} 2",
                "sentinel down-after-milliseconds": f"{SERVICE} 1000",
                "sentinel failover-timeout": f"{SERVICE} 5000",
                "sentinel parallel-syncs": f"{SERVICE} 1",
            },
            sentinel=True,
        )
    wait_until(lambda: sentinel_healthy(sentinels), "the Sentinels to know each other")
    return {ENV_SENTINELS: ",".join(f"127.0.0.1:{p}" for p in sentinels), ENV_SERVICE: SERVICE}


STARTERS: dict[str, Callable[[Path], dict[str, str]]] = {
    "single": start_single,
    "cluster": start_cluster,
    "sentinel": start_sentinel,
}


def _is_redis(pid: int, conf: Path) -> bool:
    """Whether ``pid`` is still a redis-server of ours (pids get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    port = next(
        (line.split()[1] for line in conf.read_text().splitlines() if line.startswith("port ")), ""
    )
    return b"redis" in cmdline and f":{port}".encode() in cmdline


def stop(home: Path) -> None:
    """Stop every server started under ``home`` (by the pid each one wrote)."""
    pids: list[int] = []
    for pidfile in home.rglob("redis.pid"):
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            continue
        if _is_redis(pid, pidfile.parent / "redis.conf"):
            os.kill(pid, signal.SIGTERM)
            pids.append(pid)
    deadline = time.monotonic() + 10
    for pid in pids:
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print("usage: python -m tests.redis.topologies up|down DIR", file=sys.stderr)
        return 2
    home = Path(argv[1]).resolve()
    if argv[0] == "down":
        stop(home)
        return 0
    if shutil.which("redis-server") is None:
        print("redis-server is not installed", file=sys.stderr)
        return 1
    home.mkdir(parents=True, exist_ok=True)
    for kind, start in STARTERS.items():
        for name, value in start(home / kind).items():
            print(f"export {name}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
