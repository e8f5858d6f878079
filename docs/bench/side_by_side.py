"""Interleaved rounds: ABIDES rmsc04 (one process) and `xtask run` on rmsc04-like (whole process,
bundle written), each timed from outside: wall from perf_counter, CPU user+sys and peak RSS from
wait4. Run from the repository root after `cargo build --release -p xtask`, with ABIDES installed
in a venv (docs/performance.md has the recipe):

    ABIDES_PYTHON=/path/to/venv/bin/python python3 docs/bench/side_by_side.py 3 5 > result.json
"""
import json, os, statistics, subprocess, sys, time

ROUNDS = int(sys.argv[1]); PER = int(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
ABIDES = [os.environ.get("ABIDES_PYTHON", "python3"), os.path.join(HERE, "abides_rmsc04.py")]
OUT = os.path.join(os.environ.get("TMPDIR", "/tmp"), "proteus-side-by-side")
PROTEUS = ["target/release/xtask", "run", "--scenario", "scenarios/rmsc04-like.toml", "--seed", "1",
           "--out", OUT, "--force"]

def timed(cmd):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    assert status == 0, (cmd, status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out

res = {"abides_wall_s": [], "abides_cpu_s": [], "abides_peak_rss_mib": [], "abides_counts": None,
       "proteus_wall_s": [], "proteus_cpu_s": [], "proteus_peak_rss_mib": []}
for r in range(ROUNDS):
    w, c, m, out = timed(ABIDES)
    res["abides_wall_s"].append(round(w, 3)); res["abides_cpu_s"].append(round(c, 3))
    res["abides_peak_rss_mib"].append(round(m, 1))
    res["abides_counts"] = json.loads(out.decode().strip().splitlines()[-1])
    for _ in range(PER):
        w, c, m, _ = timed(PROTEUS)
        res["proteus_wall_s"].append(round(w, 4)); res["proteus_cpu_s"].append(round(c, 4))
        res["proteus_peak_rss_mib"].append(round(m, 1))
    print(f"round {r + 1}: abides {res['abides_wall_s'][-1]} s", file=sys.stderr, flush=True)
med = statistics.median
res["ratio_of_medians"] = {
    "wall": round(med(res["abides_wall_s"]) / med(res["proteus_wall_s"]), 1),
    "cpu": round(med(res["abides_cpu_s"]) / med(res["proteus_cpu_s"]), 1),
    "peak_rss": round(med(res["abides_peak_rss_mib"]) / med(res["proteus_peak_rss_mib"]), 1),
}
print(json.dumps(res, indent=1))
