"""Scale: characters per second and peak memory of `fazhi tag` on one report of 10k, 100k
and 1M characters and on batches of 100 and 1,000 reports; both should stay flat (speed in
the report's length, memory in the number of reports).

    .venv/bin/python benchmarks/scale.py                       # about 3 minutes on 2 cores
    .venv/bin/python benchmarks/scale.py --sizes 10000 100000 1000000 3000000 \\
        --batches 100 1000 5000 --batch-chars 2000 --line 300000    # longer runs
    .venv/bin/python benchmarks/scale.py --src ../other-checkout/src   # another version

Each case runs `fazhi tag FOLDER --out r.jsonl --out e.csv` (the CLI, streaming included) in
a fresh process, with the model loaded once before the clock starts, and reports: the
tagging time and chars/s, the time spent building records (`fazhi.tag.record`, quadratic in
the report's length before issue 14), peak RSS and RSS after loading the model, and the
output sizes. Reports are cut from the corpus (so they have its headings, sentences and
entity density): a long report is the corpus repeated, a batch report a slice of it.
`--line N` adds one report of N characters on a single line without sentence punctuation
(before issue 14: a 9 GB CSV at 15.9 GB peak RSS for 300k characters; do not run it with
an older `--src` on a small machine).

Figures, not a test: they depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def base_text() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from fazhi.corpus import load_texts

    return "\n".join(load_texts(ROOT / "corpus").values())


def cut(text: str, start: int, n: int) -> str:
    """About n characters of the endlessly repeated text from `start`, ending at a line end."""
    out, pos = [], start % len(text)
    while sum(map(len, out)) < n:
        out.append(text[pos:pos + n])
        pos = 0
    piece = "".join(out)[:n]
    end = piece.rfind("\n")
    return piece[:end] if end > n // 2 else piece


def make_cases(args, base: str, tmp: Path) -> list[dict]:
    cases = []
    for n in args.sizes:
        d = tmp / f"size-{n}"
        d.mkdir()
        (d / "report.txt").write_text(cut(base, 0, n), encoding="utf-8")
        cases.append({"name": f"1 report of {n:,} chars", "folder": str(d)})
    for m in args.batches:
        d = tmp / f"batch-{m}"
        d.mkdir()
        step = max(1, (len(base) - args.batch_chars) // m)
        for k in range(m):
            (d / f"r{k:05d}.txt").write_text(cut(base, k * step, args.batch_chars),
                                             encoding="utf-8")
        cases.append({"name": f"{m:,} reports of ~{args.batch_chars:,} chars", "folder": str(d)})
    if args.line:
        d = tmp / "line"
        d.mkdir()
        clause = "区司法局办理行政复议案件{}件"
        parts, total, k = [], 0, 100
        while total < args.line:
            parts.append(clause.format(k))
            total += len(parts[-1]) + 1
            k += 1
        (d / "line.txt").write_text("，".join(parts)[:args.line], encoding="utf-8")
        cases.append({"name": f"1 line of {args.line:,} chars, no 。", "folder": str(d)})
    return cases


def child(spec: dict) -> dict:
    """One case, in this (fresh) process."""
    import resource

    src = spec["src"]
    sys.path[:0] = [src, str(Path(src).parent)]
    import torch

    import fazhi.cli
    import fazhi.pipeline
    import fazhi.tag

    t0 = time.perf_counter()
    nlp = fazhi.pipeline.load(spec["model"])
    load_s = time.perf_counter() - t0
    nlp("区司法局办理行政复议案件319件。")  # warm-up
    fazhi.pipeline.load = lambda *a, **kw: nlp
    record, spent = fazhi.tag.record, [0.0]

    def timed_record(doc, report):
        t = time.perf_counter()
        try:
            return record(doc, report)
        finally:
            spent[0] += time.perf_counter() - t

    fazhi.tag.record = timed_record
    rss_loaded = _rss_mb()
    out = Path(spec["out"])
    argv = ["tag", spec["folder"], "--out", str(out / "r.jsonl"), "--out", str(out / "e.csv"),
            "--max-chars", str(max(spec["max_chars"], 1_000_000))]
    if hasattr(fazhi.tag, "default_threads"):  # --threads exists
        threads = spec["threads"] or fazhi.tag.default_threads()
        argv += ["--threads", str(threads)]
    else:
        threads = spec["threads"] or torch.get_num_threads()
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    code = fazhi.cli.main(argv)
    seconds = time.perf_counter() - t0
    chars = sum(len(f.read_text(encoding="utf-8")) for f in Path(spec["folder"]).iterdir())
    sizes = {f.name: f.stat().st_size for f in out.iterdir()}
    return {"exit": code, "chars": chars, "reports": len(list(Path(spec["folder"]).iterdir())),
            "seconds": seconds, "chars_per_s": chars / seconds, "record_s": spent[0],
            "threads": threads, "load_s": load_s, "rss_after_load_mb": rss_loaded,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "output_bytes": sizes}


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                   help="characters of the single-report cases")
    p.add_argument("--batches", type=int, nargs="*", default=[100, 1000],
                   help="number of reports of the batch cases")
    p.add_argument("--batch-chars", type=int, default=500,
                   help="characters per report in the batch cases")
    p.add_argument("--line", type=int, default=0,
                   help="add a report of this many characters on one line without 。")
    p.add_argument("--threads", type=int, help="torch threads (default: fazhi tag's default)")
    p.add_argument("--model", default=str(ROOT / "models" / "fazhi-zh"))
    p.add_argument("--src", default=str(ROOT / "src"), help="the fazhi source tree to run")
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "scale.json"),
                   help="where to write the figures ('' for nowhere)")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    base = base_text()
    results = []
    with tempfile.TemporaryDirectory(prefix="fazhi-scale-") as tmp:
        tmp = Path(tmp)
        cases = make_cases(args, base, tmp)
        print(f"{'case':<34} {'chars':>10} {'tag s':>8} {'chars/s':>8} {'record s':>9} "
              f"{'peak RSS':>9} {'loaded':>7} {'CSV':>9}", flush=True)
        for k, case in enumerate(cases):
            out = tmp / f"out-{k}"
            out.mkdir()
            spec = {**case, "out": str(out), "src": str(Path(args.src).resolve()),
                    "model": args.model, "threads": args.threads,
                    "max_chars": max(args.sizes + [args.line, 1])}
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                [spec["src"], *(x for x in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                if x)])}
            proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                                  capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                print(f"{case['name']}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            r = {"case": case["name"], **json.loads(proc.stdout.strip().splitlines()[-1])}
            results.append(r)
            csv_mb = r["output_bytes"].get("e.csv", 0) / 1e6
            print(f"{r['case']:<34} {r['chars']:>10,} {r['seconds']:>8.1f} "
                  f"{r['chars_per_s']:>8,.0f} {r['record_s']:>9.2f} "
                  f"{r['peak_rss_mb']:>6,.0f} MB {r['rss_after_load_mb']:>4,.0f} MB "
                  f"{csv_mb:>6.1f} MB", flush=True)
            for o in out.iterdir():
                o.unlink()
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "python": platform.python_version()},
            "src": args.src, "results": results}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
