"""Reminder passes in processes of their own, for simulations that run many ticks.

Starting ``flask reminders send-due`` afresh for every tick of a fortnight would spend most
of the test importing the app. A racer is instead one spawned process that builds the app as
the command does and, for each instant it is sent, runs the command's pass
(``commands.run_pass``) and answers with the tally or the traceback. Racers meet at a barrier
before each pass, so their claims overlap.
"""

from __future__ import annotations

import multiprocessing
import traceback
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from typing import Any

from webapp.reminders import services


def _serve(conn: Connection, gate: Barrier, config: dict[str, Any], claim_batch: int) -> None:
    from webapp import create_app
    from webapp.reminders import commands

    services.CLAIM_BATCH = claim_batch
    app = create_app(config)
    while (now := conn.recv()) is not None:
        try:
            gate.wait(timeout=30)
            conn.send(("ok", commands.run_pass(app, now)))
        except Exception:  # noqa: BLE001 - reported in full by the test
            conn.send(("error", f"pass at {now.isoformat()}:\n{traceback.format_exc()}"))


@dataclass
class Racers:
    """``count`` send-due processes on one database, run together one instant at a time."""

    config: dict[str, Any]
    count: int = 2
    claim_batch: int = services.CLAIM_BATCH

    def __enter__(self) -> Racers:
        context = multiprocessing.get_context("spawn")
        self.gate = context.Barrier(self.count)  # kept: the children open it by name
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(self.count):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_serve, args=(theirs, self.gate, self.config, self.claim_batch), daemon=True
            )
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        return self

    def run(self, now: datetime, timeout: float = 120) -> list[services.Tally]:
        """Every racer's pass at ``now``; raises with the first racer's traceback."""
        for pipe in self.pipes:
            pipe.send(now)
        answers = []
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            if not pipe.poll(timeout):
                raise TimeoutError(f"a pass hung at {now.isoformat()} (pid {process.pid})")
            answers.append(pipe.recv())
        errors = [detail for state, detail in answers if state == "error"]
        if errors:
            raise AssertionError("\n".join(errors))
        return [tally for _, tally in answers]

    def __exit__(self, *exc: object) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
