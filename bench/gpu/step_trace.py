#!/usr/bin/env python3
"""Where a step of a chain kernel spends its cycles: a timeline of its
barriers, per warp group, read from %clock64 probes.

  step_trace.py instrument ART.json OUTDIR   (here: text only, no GPU)
      copies the artifact's PTX with a probe before and after every
      bar.sync / bar.arrive / barrier.sync line, and a manifest that loads
      it, into OUTDIR. In block 0, the first thread of each group of
      --group-threads threads records (probe id, clock64) into a global
      array `ttt_step_trace` (--slots per thread, then it stops).
  step_trace.py run OUTDIR/X.json [--heads 12 --tokens 2048]
      (on the GPU machine) launches it once on random inputs (kernel_time.py's
      rules), reads the records back, and prints, per probe, the mean
      cycle offset from the start of the step (the probe after the loop's
      first barrier that runs once per step) for each group, over the
      steps away from both ends (--save F: the records as JSON too).
  step_trace.py report F
      the same timeline from records saved by run --save.
  run / report --intervals
      per group, the cycles from each probe to the next on that group's
      own clock: for a cluster kernel, whose blocks run on SMs whose clocks
      need not agree (a probe before and after a channel's try_wait, with
      --at 'inline asm' --lines, shows how long a block waits for the other).

A probe is a clock read, a few integer ops and one global store on one
thread per group: about 60 cycles each on an H200, so the timeline is
stretched by that much per probe passed. A warp issues in order, so a
probe reads the clock once every instruction before it has issued, not
completed: put it before an instruction that consumes the result to be
timed (a store; --at). A clock read right after a barrier is not held
back by it on sm_90 (the barrier blocks at the next memory access): an
"after" probe (--after) can read a time earlier than the other group's
arrival, so the default probes barriers before them only.
"""
import argparse
import json
import os
import re
import statistics
import sys
from collections import defaultdict

BARRIER = re.compile(r"^\s*(@!?%\w+\s+)?(bar\.sync|bar\.arrive|barrier\.sync|barrier\.arrive)\b")
ENTRY = re.compile(r"^\.visible \.entry (\w+)\(")
SYMBOL = "ttt_step_trace"
CLOCK_MASK = (1 << 48) - 1


def probe_code(pid, slots):
    """PTX that records (pid, clock64) at the next slot of this thread."""
    return [
        f"\tsetp.lt.and.u64 \t%tsq, %tsc, {slots}, %tsp;",
        "\t@%tsq mov.u64 \t%tsclk, %clock64;",
        f"\t@%tsq and.b64 \t%tsclk, %tsclk, {CLOCK_MASK};",
        f"\t@%tsq or.b64 \t%tsclk, %tsclk, {pid << 48};",
        "\t@%tsq shl.b64 \t%tsa, %tsc, 3;",
        "\t@%tsq add.s64 \t%tsa, %tsa, %tsbase;",
        "\t@%tsq st.global.u64 \t[%tsa], %tsclk;",
        "\t@%tsq add.s64 \t%tsc, %tsc, 1;",
    ]


def setup_code(group_threads, slots, per_block):
    """Declarations and the recording thread's predicate and base address:
    the first thread of each group of `group_threads` in the first cluster
    (blocks x = 0, any y: a cluster-groups kernel's block y holds `per_block`
    groups, recorded as groups y * per_block on)."""
    return [
        "\t.reg .pred \t%tsp, %tsq;",
        "\t.reg .b32 \t%tst, %tsb;",
        "\t.reg .b64 \t%tsc, %tsclk, %tsa, %tsbase;",
        "\tmov.u32 \t%tst, %tid.x;",
        "\tmov.u32 \t%tsb, %ctaid.x;",
        f"\trem.u32 \t%tsb, %tst, {group_threads};",
        "\tsetp.eq.u32 \t%tsp, %tsb, 0;",
        "\tmov.u32 \t%tsb, %ctaid.x;",
        "\tsetp.eq.and.u32 \t%tsp, %tsb, 0, %tsp;",
        f"\tdiv.u32 \t%tst, %tst, {group_threads};",
        "\tmov.u32 \t%tsb, %ctaid.y;",
        f"\tmad.lo.u32 \t%tst, %tsb, {per_block}, %tst;",
        f"\tmul.wide.u32 \t%tsbase, %tst, {slots * 8};",
        f"\tmov.u64 \t%tsa, {SYMBOL};",
        "\tadd.s64 \t%tsbase, %tsbase, %tsa;",
        "\tmov.u64 \t%tsc, 0;",
    ]


def instrument(ptx, group_threads, groups, slots, at=None, after=False, line_range=None,
               per_block=1):
    """(instrumented PTX, probes: list of (line, where, text)). `at`: a
    regex; lines matching it get a probe before them too. `after`: a probe
    after each barrier as well (see the module doc: it may read the clock
    before the barrier releases the warp). `line_range`: a list of (first,
    last) PTX line numbers the `at` probes are limited to."""
    lines = ptx.splitlines()
    out, probes = [], []
    in_entry = set_up = False
    # A line inside a multi-line instruction (an mma's operand lists) takes
    # no probe: only lines after one that ends a statement do.
    starts = True
    for i, line in enumerate(lines, 1):
        starts_here, text = starts, line.strip()
        if text and not text.startswith("//"):
            starts = text.endswith((";", "{", "}", ":"))
        if ENTRY.match(line):
            out.append(f".global .align 8 .b64 {SYMBOL}[{groups * slots}];")
            out.append("")
            in_entry = True
        if in_entry and not set_up and line.strip() == "{":
            out.append(line)
            out.extend(setup_code(group_threads, slots, per_block))
            set_up = True
            continue
        in_range = line_range is None or any(a <= i <= b for a, b in line_range)
        if (set_up and at and in_range and starts_here and re.search(at, line)
                and not BARRIER.match(line)):
            probes.append((i, "before", " ".join(line.split())))
            out.extend(probe_code(len(probes) - 1, slots))
            out.append(line)
            continue
        if set_up and BARRIER.match(line):
            text = " ".join(line.split())
            probes.append((i, "before", text))
            out.extend(probe_code(len(probes) - 1, slots))
            out.append(line)
            if after:
                probes.append((i, "after", text))
                out.extend(probe_code(len(probes) - 1, slots))
            continue
        out.append(line)
    if not set_up:
        raise ValueError("no .entry body found in the PTX")
    return "\n".join(out) + "\n", probes


def parse_lines(text):
    """"A-B,C" -> [(A, B), (C, C)]; None -> None."""
    if text is None:
        return None
    ranges = []
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part.strip())
        first, last = (int(m.group(1)), int(m.group(2) or m.group(1))) if m else (1, 0)
        if first > last:
            sys.exit("step_trace: --lines wants FIRST-LAST or LINE, comma-separated "
                     f"(PTX line numbers), not {text!r}")
        ranges.append((first, last))
    return ranges


def cmd_instrument(a):
    try:
        with open(a.artifact) as f:
            m = json.load(f)
    except (OSError, ValueError) as ex:
        sys.exit(f"step_trace: {a.artifact}: {ex}")
    if not isinstance(m, dict) or m.get("target") != "cuda" or "module" not in m:
        sys.exit(f"step_trace: {a.artifact}: not a cuda artifact manifest")
    src = os.path.join(os.path.dirname(os.path.abspath(a.artifact)), m["module"])
    if not src.endswith(".ptx"):
        ptx_path = os.path.splitext(src)[0] + ".ptx"
        if not os.path.exists(ptx_path):
            sys.exit(f"step_trace: {a.artifact}: module {m['module']} is not PTX and "
                     f"{ptx_path} does not exist")
        src = ptx_path
    try:
        with open(src) as f:
            launch = m.get("launch", {})
            block = int((launch.get("block") or [1])[0])
            per_block = max(1, block // a.group_threads)
            # Every block of a chain's cluster (cluster-groups), unless told.
            if a.groups is None:
                a.groups = max(2, int(launch.get("blocks_per_chain", 1)) * per_block)
            ptx, probes = instrument(f.read(), a.group_threads, a.groups, a.slots,
                                      a.at, a.after, parse_lines(a.lines),
                                      per_block)
    except (OSError, ValueError) as ex:
        sys.exit(f"step_trace: {src}: {ex}")
    os.makedirs(a.outdir, exist_ok=True)
    base = os.path.splitext(os.path.basename(a.artifact))[0]
    with open(os.path.join(a.outdir, base + ".ptx"), "w") as f:
        f.write(ptx)
    m["module"] = base + ".ptx"
    # The instrumented kernel only (not the cluster kernel the runtime
    # would launch for few chains: trace that artifact's --gpu-cluster on).
    m.get("launch", {}).pop("cluster", None)
    m["step_trace"] = {"probes": probes, "group_threads": a.group_threads,
                       "groups": a.groups, "slots": a.slots}
    with open(os.path.join(a.outdir, base + ".json"), "w") as f:
        json.dump(m, f, indent=1)
    print(f"{a.outdir}/{base}.json: {len(probes)} probes")


def read_trace(torch, kern, n):
    import ctypes
    lib = kern.drv.lib
    lib.cuModuleGetGlobal_v2.argtypes = [ctypes.POINTER(ctypes.c_uint64),
                                         ctypes.POINTER(ctypes.c_size_t),
                                         ctypes.c_void_p, ctypes.c_char_p]
    lib.cuMemcpyDtoH_v2.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_size_t]
    lib.cuMemsetD8_v2.argtypes = [ctypes.c_uint64, ctypes.c_ubyte, ctypes.c_size_t]
    ptr, size = ctypes.c_uint64(), ctypes.c_size_t()
    kern.drv.check(lib.cuModuleGetGlobal_v2(ctypes.byref(ptr), ctypes.byref(size),
                                            kern.module, SYMBOL.encode()), SYMBOL)
    return lib, ptr.value, size.value


def cmd_run(a):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import kernel_time as kt
    with open(a.artifact) as f:
        if "step_trace" not in json.load(f):
            sys.exit(f"step_trace: {a.artifact}: no probes (write it with "
                     f"`step_trace.py instrument` first)")
    torch, kern = kt.open_kernel(a.artifact)
    m = kern.m
    meta = m["step_trace"]
    probes, slots, groups = meta["probes"], meta["slots"], meta["groups"]
    import ctypes
    lib, ptr, size = read_trace(torch, kern, groups * slots)
    specs = m["args"] + m["results"]
    shapes = [kt.array_shape(s, m, 1, a.heads, a.tokens) for s in specs]
    sets = kt.make_sets(torch, m, shapes, 1, 7)
    chains = kt.math.prod(kt.chain_dims(m, 1, a.heads))
    la = kt.Launch([t.data_ptr() for t in sets[0]], a.tokens, chains)
    stream = torch.cuda.current_stream()
    for _ in range(2):  # the second launch is the one read (warm caches)
        kern.drv.check(lib.cuMemsetD8_v2(ptr, 0, size), "memset")
        kern.launch(la, stream.cuda_stream)
        kern.drv.sync(stream.cuda_stream, "traced launch")
    buf = (ctypes.c_uint64 * (groups * slots))()
    kern.drv.check(lib.cuMemcpyDtoH_v2(ctypes.addressof(buf), ptr, size), "copy back")
    recs = [[(v >> 48, v & CLOCK_MASK) for v in buf[g * slots:(g + 1) * slots] if v]
            for g in range(groups)]
    if a.save:
        with open(a.save, "w") as f:
            json.dump({"probes": probes, "records": recs}, f)
    if a.raw:
        t0 = min(rec[0][1] for rec in recs if rec)
        for g, rec in enumerate(recs):
            print(f"group {g}: " + " ".join(f"{pid}@{clk - t0}" for pid, clk in rec[:a.raw]))
    (intervals if a.intervals else report)(recs, probes, a.skip)


def step_probe(rec):
    """The loop's first probe in one group's records: the lowest-numbered
    of those recorded most often (once a step)."""
    count = defaultdict(int)
    for pid, _ in rec:
        count[pid] += 1
    most = max(count.values())
    return min(p for p, c in count.items() if c == most)


def report(recs, probes, skip):
    top = step_probe(recs[0])
    starts = [c for p, c in recs[0] if p == top]
    steps = len(starts)
    use = range(skip, max(skip + 1, steps - skip))
    period = statistics.median(starts[i + 1] - starts[i] for i in use if i + 1 < steps)
    print(f"{steps} steps recorded; median step {period:.0f} cycles; probe {top} starts a step")
    rows = defaultdict(lambda: defaultdict(list))
    for g, rec in enumerate(recs):
        step = -1
        for pid, clk in rec:
            while step + 1 < steps and clk >= starts[step + 1]:
                step += 1
            if step in use:
                rows[pid][g].append(clk - starts[step])
    print(f"{'probe':>5} {'line':>5} {'where':6} " +
          " ".join(f"{'group ' + str(g):>9}" for g in range(len(recs))) + "  instruction")
    order = sorted(rows, key=lambda p: min(statistics.median(v) for v in rows[p].values()))
    for pid in order:
        line, where, text = probes[pid]
        cells = []
        for g in range(len(recs)):
            v = rows[pid].get(g)
            cells.append(f"{statistics.median(v):9.0f}" if v else f"{'':>9}")
        print(f"{pid:5d} {line:5d} {where:6} " + " ".join(cells) + f"  {text}")


def intervals(recs, probes, skip):
    """Per group, the median cycles from each probe to the next one that
    group records, on its own clock only: the blocks of a cluster run on
    different SMs, whose clocks need not agree, so this is the view for a
    cluster kernel (the other tables place every group on group 0's steps).
    A try_wait between two probes shows as a long interval where the block
    waits for the other."""
    for g, rec in enumerate(recs):
        if not rec:
            continue
        top = step_probe(rec)
        at = [i for i, (pid, _) in enumerate(rec) if pid == top]
        if len(at) <= 2 * skip + 1:
            print(f"group {g}: too few steps ({len(at)}) for --skip {skip}")
            continue
        kept = rec[at[skip]:at[len(at) - skip - 1] + 1]
        steps = len(at) - 2 * skip - 1
        spans, order = defaultdict(list), []
        for (p, c), (q, d) in zip(kept, kept[1:]):
            if (p, q) not in spans:
                order.append((p, q))
            spans[(p, q)].append(d - c)
        total = sum(statistics.median(v) * len(v) for v in spans.values()) / steps
        print(f"group {g}: {steps} steps, {total:.0f} cycles a step (own clock)")
        for p, q in order:
            v = spans[(p, q)]
            print(f"  {p:3d} (line {probes[p][0]:5d}) -> {q:3d} (line {probes[q][0]:5d}) "
                  f"x{len(v):<4d} {statistics.median(v):7.0f}  {probes[q][2]}")


def cmd_report(a):
    try:
        with open(a.records) as f:
            saved = json.load(f)
        recs = [[tuple(r) for r in rec] for rec in saved["records"]]
        probes = [tuple(p) for p in saved["probes"]]
    except (OSError, ValueError, KeyError, TypeError) as ex:
        sys.exit(f"step_trace: {a.records}: not records saved by run --save ({ex})")
    if not recs or not recs[0]:
        sys.exit(f"step_trace: {a.records}: no records for group 0")
    (intervals if a.intervals else report)(recs, probes, a.skip)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("instrument", help="write a probed copy of an artifact")
    i.add_argument("artifact")
    i.add_argument("outdir")
    i.add_argument("--group-threads", type=int, default=256)
    i.add_argument("--groups", type=int, default=None,
                   help="groups recorded (default: every block of a chain's "
                   "cluster, at least 2)")
    i.add_argument("--slots", type=int, default=16384)
    i.add_argument("--at", help="regex: also probe before the PTX lines it matches (a probe "
                   "issues after the instructions before it issue, so put it before one "
                   "that consumes the result to be timed, e.g. a store)")
    i.add_argument("--lines", help="FIRST-LAST or LINE, comma-separated: --at probes only on "
                   "these PTX lines")
    i.add_argument("--after", action="store_true",
                   help="also probe right after each barrier (unreliable: see above)")
    r = sub.add_parser("run", help="launch a probed artifact once and print its timeline")
    r.add_argument("artifact")
    r.add_argument("--heads", type=int, default=12)
    r.add_argument("--tokens", type=int, default=2048)
    r.add_argument("--raw", type=int, default=0, help="print each group's first N records")
    r.add_argument("--skip", type=int, default=8, help="steps left out at each end")
    r.add_argument("--save", help="also write the probes and records as JSON (for report)")
    r.add_argument("--intervals", action="store_true",
                   help="per group, the cycles between consecutive probes on its own clock "
                   "(cluster kernels: each block's clock is its SM's)")
    t = sub.add_parser("report", help="print the timeline of records saved by run --save")
    t.add_argument("records")
    t.add_argument("--skip", type=int, default=8, help="steps left out at each end")
    t.add_argument("--intervals", action="store_true",
                   help="per group, the cycles between consecutive probes on its own clock")
    a = p.parse_args()
    {"instrument": cmd_instrument, "run": cmd_run, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
