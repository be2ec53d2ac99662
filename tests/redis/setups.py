"""The three Redis topologies as the tests see them: stores, inspection, killing a primary.

A `RedisSetup` is built from the environment variables that ``.ci/run`` exports (or that
``conftest.py`` sets after starting the topologies itself). Killing uses the pid and config file
each node reports in ``INFO server``, so it works whoever started the node; `RedisSetup.restore`
starts it again on the same config and waits until it is back as a replica in sync.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import attrs
import redis
from redis.crc import key_slot

from seatable_async.redis import RedisFleetStore
from tests.redis import topologies as t


def make_store(spec: dict[str, Any], **options: Any) -> RedisFleetStore:
    """A store for ``spec`` (see `RedisSetup.spec`), as a user would construct it."""
    if spec["kind"] == "single":
        return RedisFleetStore(spec["url"], **options)
    if spec["kind"] == "cluster":
        return RedisFleetStore(spec["url"], cluster=True, **options)
    return RedisFleetStore.from_sentinel(
        [(h, int(p)) for h, p in spec["sentinels"]], service_name=spec["service"], **options
    )


@attrs.frozen
class Killed:
    """A node killed by a test: where it listened and how to start it again."""

    port: int
    conf: Path


def _client(port: int) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, socket_connect_timeout=2)


def _cluster_nodes(port: int) -> list[dict[str, Any]]:
    c = _client(port)
    try:
        text = c.execute_command("CLUSTER", "NODES")
    finally:
        c.close()
    nodes = []
    for line in (text.decode() if isinstance(text, bytes) else str(text)).splitlines():
        parts = line.split()
        slots: list[tuple[int, int]] = []
        for s in parts[8:]:
            if s.startswith("["):
                continue  # a slot being migrated
            lo, _, hi = s.partition("-")
            slots.append((int(lo), int(hi or lo)))
        nodes.append(
            {
                "id": parts[0],
                "port": int(parts[1].split("@")[0].rsplit(":", 1)[1]),
                "flags": set(parts[2].split(",")),
                "master": parts[3],
                "slots": slots,
                "connected": parts[7] == "connected",
            }
        )
    return nodes


@attrs.define
class RedisSetup:
    """One topology under test: ``single``, ``cluster`` or ``sentinel``."""

    kind: str
    env: dict[str, str]
    _cluster_ports: list[int] = attrs.field(factory=list)

    @property
    def spec(self) -> dict[str, Any]:
        """JSON-ready description for worker processes (`make_store`)."""
        if self.kind == "single":
            return {"kind": "single", "url": self.env[t.ENV_SINGLE]}
        if self.kind == "cluster":
            return {"kind": "cluster", "url": self.env[t.ENV_CLUSTER]}
        return {
            "kind": "sentinel",
            "sentinels": [
                [a.rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])]
                for a in self.env[t.ENV_SENTINELS].split(",")
            ],
            "service": self.env.get(t.ENV_SERVICE, t.SERVICE),
        }

    def spec_avoiding(self, killed: Killed) -> dict[str, Any]:
        """`spec`, with a cluster seed other than ``killed`` (a process starting now needs one
        that answers; running processes know every node already)."""
        spec = self.spec
        if self.kind == "cluster":
            port = next(p for p in self.primaries() if p != killed.port)
            spec["url"] = f"redis://127.0.0.1:{port}"
        return spec

    def store(self, **options: Any) -> RedisFleetStore:
        return make_store(self.spec, **options)

    @property
    def sentinel_ports(self) -> list[int]:
        return [int(p) for _, p in self.spec["sentinels"]]

    def cluster_ports(self) -> list[int]:
        """Every node of the cluster (learned once from the seed, kept across failovers)."""
        if not self._cluster_ports:
            seed = int(self.env[t.ENV_CLUSTER].rsplit(":", 1)[1].split("/")[0])
            self._cluster_ports = sorted(n["port"] for n in _cluster_nodes(seed))
        return self._cluster_ports

    def primaries(self) -> list[int]:
        """Ports of the primaries as the topology sees them now."""
        if self.kind == "single":
            return [int(self.env[t.ENV_SINGLE].rsplit(":", 1)[1].split("/")[0])]
        if self.kind == "sentinel":
            return [t.master_address(self.sentinel_ports)[1]]
        for port in self.cluster_ports():
            try:
                nodes = _cluster_nodes(port)
            except (redis.RedisError, OSError):
                continue
            return sorted(
                n["port"]
                for n in nodes
                if "master" in n["flags"] and "fail" not in n["flags"] and n["slots"]
            )
        raise redis.ConnectionError("no cluster node answered")

    def primary_of(self, key: str) -> int:
        """Port of the primary that holds ``key``."""
        if self.kind != "cluster":
            return self.primaries()[0]
        slot = key_slot(key.encode())
        for port in self.cluster_ports():
            try:
                nodes = _cluster_nodes(port)
            except (redis.RedisError, OSError):
                continue
            for n in nodes:
                if (
                    "master" in n["flags"]
                    and "fail" not in n["flags"]
                    and any(lo <= slot <= hi for lo, hi in n["slots"])
                ):
                    return int(n["port"])
        raise redis.ConnectionError(f"no primary serves {key!r}")

    def keys(self, pattern: str) -> list[str]:
        """Every key matching ``pattern`` on every primary."""
        found: list[str] = []
        for port in self.primaries():
            c = _client(port)
            try:
                found += [k.decode() for k in c.scan_iter(match=pattern, count=500)]
            finally:
                c.close()
        return found

    def delete(self, pattern: str) -> None:
        for port in self.primaries():
            c = _client(port)
            try:
                for k in list(c.scan_iter(match=pattern, count=500)):
                    c.delete(k)
            finally:
                c.close()

    def command(self, key: str, *args: Any) -> Any:
        """Run a command on the primary holding ``key`` (``key`` routes it, as in a cluster)."""
        c = _client(self.primary_of(key))
        try:
            return c.execute_command(*args)
        finally:
            c.close()

    def replicate(self, key: str) -> None:
        """Return once the replicas of ``key``'s primary hold every write made so far."""
        port = self.primary_of(key)
        c = _client(port)
        try:
            # WAIT covers this connection's writes, and so everything replicated before them.
            c.set(f"{key}:replicate-probe", "1", px=60_000)  # same hash tag, same primary
            acked = int(c.execute_command("WAIT", 1, 10_000))
        finally:
            c.close()
        assert acked >= 1, "no replica acknowledged the writes"

    def kill_primary_of(self, key: str) -> Killed:
        """SIGKILL the primary holding ``key``: a crash, no goodbye to anyone."""
        port = self.primary_of(key)
        server = t.info(port, "server")
        os.kill(int(server["process_id"]), signal.SIGKILL)
        return Killed(port, Path(server["config_file"]))

    def failover_done(self, killed: Killed, key: str) -> bool:
        """A new primary serves ``key`` and the topology says it is healthy."""
        if self.kind == "sentinel":
            _, port = t.master_address(self.sentinel_ports)
            return port != killed.port and t.info(port, "replication")["role"] == "master"
        if self.kind == "cluster":
            alive = [p for p in self.cluster_ports() if p != killed.port]
            if any(t.info_cluster(p).get("cluster_state") != "ok" for p in alive):
                return False
            return self.primary_of(key) != killed.port
        return False

    def restore(self, killed: Killed) -> None:
        """Start the killed node again; wait until it is a replica in sync and all is healthy."""
        t.restart(killed.conf)

        def rejoined() -> bool:
            rep = t.info(killed.port, "replication")
            if rep.get("role") != "slave" or rep.get("master_link_status") != "up":
                return False
            if self.kind == "cluster":
                return t.cluster_healthy(self.cluster_ports())
            return t.sentinel_healthy(self.sentinel_ports)

        t.wait_until(rejoined, f"node {killed.port} to rejoin as a replica", timeout=60)
