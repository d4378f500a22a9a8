"""Where a load test's CPU goes, read from /proc (Linux): the server's processes, the database
backends serving it, the load generator, and everything else on the machine.

"Everything else" is other processes (on a shared machine, other people's work) and kernel
time charged to no process, such as loopback networking. The server's CPU seconds per request
stay comparable when the machine is busy, where its latency does not.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy since boot (all cores, less idle and
    iowait)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / TICK


def processes(session: int, database: str | None) -> tuple[float, float]:
    """CPU seconds of the processes in ``session`` (gunicorn and its workers), and of the
    PostgreSQL backends connected to ``database`` when one is named."""
    server = backends = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes() if database else b""
        except OSError:
            continue  # it ended meanwhile
        fields = line.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICK
        if int(fields[3]) == session:
            server += seconds
        elif database and cmdline.startswith(b"postgres: ") and database.encode() in cmdline:
            backends += seconds
    return server, backends


def snapshot(session: int, database: str | None) -> dict[str, float]:
    """Cumulative CPU seconds now: the machine, the server, its database, this process."""
    server, backends = processes(session, database)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "machine": machine_busy(),
        "server": server,
        "database": backends,
        "locust": own.ru_utime + own.ru_stime,
    }


def shares(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Cores used between two snapshots by the server, the database, locust, and the rest."""
    used = {key: after[key] - before[key] for key in before}
    other = used["machine"] - used["server"] - used["database"] - used["locust"]
    return {
        "server": used["server"] / seconds,
        "database": used["database"] / seconds,
        "locust": used["locust"] / seconds,
        "other": max(other, 0.0) / seconds,
    }
