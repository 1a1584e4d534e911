"""`fazhi tag --engine ray` against the single-process path on the same files: wall time,
chars/s, and what Ray adds per file.

    .venv/bin/python benchmarks/ray_engine.py [--files corpus/*.txt] [--workers 1 2]
                                              [--copies 2]

Each run is in this process, one after another: single process (model load + tagging, 1
torch thread), then a local Ray instance per worker count (ray.init, actors loading the
model, tagging, shards written), each into a fresh folder. `--copies N` tags every file N
times (copies under other names) so that there is work to share. Writes
benchmarks/ray_engine.json. Needs the `ray` extra. A benchmark, not a test: on a shared
machine the figures move with what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", nargs="+", default=sorted(
        str(p) for p in (ROOT / "corpus").glob("*.txt")))
    ap.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--model", default=str(ROOT / "models" / "fazhi-zh"))
    ap.add_argument("--out", default=str(Path(__file__).with_name("ray_engine.json")))
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    import ray
    import torch

    from fazhi.engines.ray_engine import run
    from fazhi.pipeline import load
    from fazhi.tag import tag

    work = Path(tempfile.mkdtemp(prefix="fazhi-ray-bench."))
    src = work / "src"
    src.mkdir()
    for k in range(args.copies):
        for f in map(Path, args.files):
            shutil.copy(f, src / f"{k}_{f.name}")
    files = sorted(src.iterdir())
    chars = sum(len(f.read_text("utf-8")) for f in files)
    runs = []

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    nlp = load(args.model)
    loaded = time.perf_counter() - t0
    result = tag([src], nlp, progress=False)
    single = time.perf_counter() - t0
    runs.append({"engine": "single process", "workers": 1, "seconds": single,
                 "model_load_s": loaded, "tagging_s": single - loaded,
                 "chars_per_s": chars / single, "tagged": result.written})
    del nlp

    for w in args.workers:
        out = work / f"ray-{w}"
        t0 = time.perf_counter()
        ray.init(num_cpus=w, include_dashboard=False, log_to_driver=False)
        init = time.perf_counter() - t0
        res = run([src], out, workers=w, model=args.model, files_per_batch=1)
        ray.shutdown()
        total = time.perf_counter() - t0
        # Steady rate: the characters of every shard after the first, over the time from
        # the first shard to the last (start-up, i.e. Ray and the actors' model loads, apart).
        (t_first, _), (t_last, _) = res.timeline[0], res.timeline[-1]
        after = sum(c for _, c in res.timeline[1:])
        steady = after / (t_last - t_first) if t_last > t_first else None
        runs.append({"engine": "ray", "workers": w, "seconds": total, "ray_init_s": init,
                     "first_shard_s": t_first + init, "chars_per_s": chars / total,
                     "steady_chars_per_s": steady, "tagged": res.tagged,
                     "overhead_per_file_s": (total - single) / len(files)})
    report = {"files": len(files), "chars": chars, "cores": os.cpu_count(),
              "load_1min": os.getloadavg()[0], "runs": runs}
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n", "utf-8")
    print(f"{len(files)} files, {chars:,} chars, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    for r in runs:
        extra = (f", overhead {r['overhead_per_file_s']:+.2f} s/file vs single, ray.init "
                 f"{r['ray_init_s']:.1f} s, first shard at {r['first_shard_s']:.1f} s, "
                 f"steady {r['steady_chars_per_s'] or 0:,.0f} chars/s"
                 if r["engine"] == "ray"
                 else f", model load {r['model_load_s']:.1f} s, tagging "
                      f"{chars / r['tagging_s']:,.0f} chars/s")
        print(f"{r['engine']:<15} workers {r['workers']}: {r['seconds']:6.1f} s, "
              f"{r['chars_per_s']:8,.0f} chars/s{extra}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
