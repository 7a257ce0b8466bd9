"""CPU of each process of one rebuild, and the wall time it implies on two idle cores.

    PYTHONPATH=src python bench/w3_model.py W3 /tmp/w3-inputs

On a shared machine the wall time of a rebuild follows the CPU the other jobs leave; the CPU
of each process does not. This runs :func:`engine.run_frontlines` (workers=2) in this process
with the parse processes' batches timed (``time.process_time``, logged to a file each) and the
main process's CPU split where the parse ends (``missing_steps`` is called), and prints

- the CPU of each parse process, of the main process during the parse and after it, and of the
  other child processes (the forked helper that shares the tail's region clips);
- ``parse + tail``: the parse phase on two cores, ``max(slowest parse process, (both parse
  processes + main during the parse) / 2)``, plus the tail (main after the parse, less half of
  the forked helper's CPU, which runs beside it). The head before the first fork (~0.05 s) is
  left out. Measured against a quiet run: 2.64 s here for 2.75 s in ``bench/run.py``.
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine  # noqa: E402

from frontlines.service import pipeline  # noqa: E402


def main() -> None:
    workload, folder = sys.argv[1], Path(sys.argv[2])
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "workers"
        log.mkdir()
        parse = pipeline._worker_parse_files

        @functools.wraps(parse)  # the forked processes find the wrapper under the function's name
        def timed(*args, **kwargs):
            c = time.process_time()
            try:
                return parse(*args, **kwargs)
            finally:
                with open(log / str(os.getpid()), "a") as f:
                    f.write(f"{time.process_time() - c}\n")

        pipeline._worker_parse_files = timed
        missing, mark = pipeline.missing_steps, {}

        def marked(*args, **kwargs):
            mark.setdefault("parse_end", time.process_time())
            return missing(*args, **kwargs)

        pipeline.missing_steps = marked
        c0, t0 = time.process_time(), time.perf_counter()
        engine.run_frontlines(workload, folder, Path(tmp) / "s.db", workers=2)
        wall, c1 = time.perf_counter() - t0, time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = sorted((sum(map(float, p.read_text().split())) for p in log.iterdir()), reverse=True)
    during, after = mark["parse_end"] - c0, c1 - mark["parse_end"]
    other = max(0.0, children.ru_utime + children.ru_stime - sum(workers))
    phase = max(workers[0], (sum(workers) + during) / 2)
    tail = max(0.0, after - other / 2)
    print(f"{workload}: parse processes {', '.join(f'{w:.2f}' for w in workers)} s CPU; main {during:.2f} s during the "
          f"parse, {after:.2f} s after; other children {other:.2f} s; total {sum(workers) + during + after + other:.2f} s")
    print(f"two idle cores: parse {phase:.2f} + tail {tail:.2f} = {phase + tail:.2f} s (this run's wall: {wall:.2f} s)")


if __name__ == "__main__":
    main()
