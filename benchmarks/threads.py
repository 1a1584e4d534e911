"""Torch threads for `fazhi tag`: chars/s with 1, 2, … threads, alone and while other
processes keep cores busy, and the count `fazhi tag` picks by itself (fazhi.tag.AutoThreads).

    .venv/bin/python benchmarks/threads.py [--chars 20000] [--repeat 3] [--busy 0 1]

`--busy K` runs K busy loops (one core each) beside the tagging; 0 is "alone", which is only
true when nothing else runs on the machine (the load average is printed beside each row).
Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chars", type=int, default=20_000, help="characters tagged per timing")
    p.add_argument("--repeat", type=int, default=3, help="timings per setting (best is shown)")
    p.add_argument("--busy", type=int, nargs="*", default=[0, 1],
                   help="numbers of busy loops to run beside the tagging")
    p.add_argument("--threads", type=int, nargs="*", help="thread counts (default 1..cores)")
    p.add_argument("--model", default=str(ROOT / "models" / "fazhi-zh"))
    args = p.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import torch

    from fazhi.corpus import load_texts
    from fazhi.pipeline import load
    from fazhi.tag import AutoThreads

    nlp = load(args.model)
    text = "\n".join(load_texts(ROOT / "corpus").values())[:args.chars]
    nlp(text[:2000])
    counts = args.threads or list(range(1, len(os.sched_getaffinity(0)) + 1))
    print(f"{'busy loops':>10} {'threads':>8} {'chars/s best':>13} {'median':>8} {'load':>6}")
    for busy in args.busy:
        loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                 for _ in range(busy)]
        try:
            time.sleep(1.0)
            for n in counts:
                torch.set_num_threads(n)
                rates = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    nlp(text)
                    rates.append(len(text) / (time.perf_counter() - t0))
                rates.sort()
                load_avg = os.getloadavg()[0]
                print(f"{busy:>10} {n:>8} {rates[-1]:>13,.0f} {rates[len(rates) // 2]:>8,.0f} "
                      f"{load_avg:>6.2f}", flush=True)
            auto = AutoThreads()
            print(f"{busy:>10} {'auto':>8} picks {auto.start()} thread(s)", flush=True)
        finally:
            for loop in loops:
                loop.kill()
                loop.wait()


if __name__ == "__main__":
    main()
