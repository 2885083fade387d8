"""Time from Ctrl-C to exit during a solve: ``siting optimize county`` and ``county-all``.

Run: ``.venv/bin/python benchmarks/bench_interrupt.py [--into S] [--solver highs|cbc]
[SCENARIO ...]``. Each case starts ``siting optimize SCENARIO --verbose`` in a fresh process,
waits for the solver's first log line on standard error (the solve has begun), waits ``--into``
seconds more (default 3), sends SIGINT as a terminal's Ctrl-C does, and prints the seconds
to exit, the exit status (130 expected) and whether anything was left in the output folders.
The target is under 2 s. The load average is printed with each case: on a busy machine every
figure is slower.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: The solver has begun once its log shows one of these (HiGHS's log, or CBC's start).
STARTED = ("highs:", "siting: decomposition")


def interrupt(scenario: str, solver: str, into: float, patience: float = 600.0) -> dict:
    """Run one case; return what happened."""
    with tempfile.TemporaryDirectory() as tmp:
        out, maps = Path(tmp) / "out", Path(tmp) / "maps"
        argv = [sys.executable, "-m", "siting", "optimize", scenario, "--verbose"]
        argv += ["--solver", solver, "--out", str(out), "--maps", str(maps)]
        process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        began = threading.Event()
        tail: list[str] = []

        def read() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                tail[:] = [*tail[-5:], line.rstrip()]
                if line.startswith(STARTED):
                    began.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        start = time.perf_counter()
        while not began.wait(0.2):
            if solver == "cbc" and _cbc(process.pid):
                began.set()
            if process.poll() is not None or time.perf_counter() - start > patience:
                process.kill()
                return {"scenario": scenario, "error": "the solve never started", "tail": tail}
        to_solve = time.perf_counter() - start
        time.sleep(into)
        load = os.getloadavg()
        cbc = _cbc(process.pid)
        sent = time.perf_counter()
        process.send_signal(signal.SIGINT)
        code = process.wait()
        seconds = time.perf_counter() - sent
        time.sleep(0.5)
        reader.join(5)
        left = [str(p) for folder in (out, maps) if folder.exists() for p in folder.rglob("*")]
        return {
            "scenario": scenario,
            "solver": solver,
            "solve began after s": round(to_solve, 1),
            "exit after s": round(seconds, 2),
            "exit status": code,
            "left behind": left or "nothing",
            "cbc at SIGINT": len(cbc),
            "cbc left running": sum(p.is_running() for p in cbc),
            "load average at SIGINT": [round(v, 2) for v in load],
            "last line": tail[-1] if tail else "",
        }


def _cbc(pid: int) -> list:
    """The running ``cbc`` processes started by ``pid`` (psutil processes)."""
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
        return [p for p in children if p.name() == "cbc"]
    except psutil.Error:
        return []


def main() -> None:
    """Run the cases given (default: county and county-all) and print each result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", default=["county", "county-all"])
    parser.add_argument("--solver", choices=("highs", "cbc"), default="highs")
    parser.add_argument("--into", type=float, default=3.0, help="seconds into the solve")
    args = parser.parse_args()
    print(f"load average before: {[round(v, 2) for v in os.getloadavg()]}")
    for scenario in args.scenarios:
        result = interrupt(scenario, args.solver, args.into)
        print("  ".join(f"{k}: {v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
