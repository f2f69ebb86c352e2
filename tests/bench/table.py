#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""table.py LINES [--elapsed S] [--base VERSION] [--patched DESCRIBE]
[--failed TEXT]

Turns the "BENCH boot=NAME WHAT key=value..." lines that workspace/bench.sh
collected from the guests' consoles into one Markdown table, with a header
(date, host, QEMU, kernels) and notes. Prints it on stdout. It judges
nothing: the ratio target is stated, not enforced.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys

RATIO_TARGET = 1.01


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            tok = line.split()
            if len(tok) < 3 or tok[0] != "BENCH":
                continue
            row = {"what": tok[2]}
            for t in tok[1:2] + tok[3:]:
                if "=" in t:
                    k, v = t.split("=", 1)
                    row[k] = v
            rows.append(row)
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def spread(values, fmt="{:.1f}", n=True):
    """median [min–max], n=N"""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    med = statistics.median(values)
    return "{} [{}–{}]{}".format(fmt.format(med), fmt.format(min(values)),
                                 fmt.format(max(values)),
                                 ", n={}".format(len(values)) if n else "")


def med(values, fmt="{:.0f}"):
    values = [v for v in values if v is not None]
    return fmt.format(statistics.median(values)) if values else "n/a"


def host():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True,
                              text=True).stdout.splitlines()[0]
        qemu = re.sub(r"^QEMU emulator version ", "QEMU ", qemu)
    except (OSError, IndexError):
        qemu = "QEMU ?"
    return "{} ({}, {} CPUs), {}, TCG".format(platform.node(), cpu, os.cpu_count(), qemu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lines")
    ap.add_argument("--elapsed", type=int, default=0)
    ap.add_argument("--base", default="?")
    ap.add_argument("--patched", default="?")
    ap.add_argument("--failed", default="")
    ap.add_argument("--icount-shift", type=int, default=5)
    ap.add_argument("--retried", default="")
    a = ap.parse_args()
    rows = parse(a.lines)
    by = lambda what: [r for r in rows if r["what"] == what]
    out = []
    table = []
    notes = []

    def add(bench, machine, base, patched, ratio=""):
        table.append((bench, machine, base, patched, ratio))

    # 1. Success path: per clock (TCG wall clock; -icount, where the
    # latencies become instructions), per operation.
    dev = by("dmadev")
    dma = by("dma")
    ratios = []		# (clock label, op, ratio, per-round ratios)
    keyratios = []	# (clock label, op, on/off ratio)
    scale = {"wall": 1.0, "icount": 1000.0 / (1 << a.icount_shift)}
    for clock, what, fmt in (("wall", "µs, TCG wall clock", "{:.1f}"),
                             ("icount", "instructions (QEMU -icount)", "{:.0f}")):
        rows_c = [r for r in dma if r.get("clock", "wall") == clock]
        if not rows_c:
            continue
        for key, op in (("map_us", "map"), ("unmap_us", "unmap")):
            def values(kind, rd=None):
                return [num(r[key]) * scale[clock] for r in rows_c
                        if r.get("kernel") == kind and num(r.get(key)) is not None
                        and (rd is None or r.get("round") == rd)]
            b, p = values("base"), values("patched")
            ratio = ""
            if b and p and statistics.median(b) > 0:
                q = statistics.median(p) / statistics.median(b)
                rr = []
                for rd in sorted({r.get("round") for r in rows_c if r.get("round")}):
                    br, pr = values("base", rd), values("patched", rd)
                    if br and pr and statistics.median(br) > 0:
                        rr.append(statistics.median(pr) / statistics.median(br))
                ratios.append((clock, op, q, rr, statistics.mean(p) / statistics.mean(b)))
                ratio = "{:.4f}".format(q)
            add("success path: dma_map_benchmark {}, {} per call (strict, ATS on)".format(op, what),
                "vtd", spread(b, fmt), spread(p, fmt), ratio)
        # The same boots of the patched kernel, the layer's static key off
        # (in the base column) and on, alternating.
        keyrows = [r for r in by("dmakey") if r.get("clock", "wall") == clock]
        for key, op in (("map_us", "map"), ("unmap_us", "unmap")) if keyrows else ():
            off = [num(r[key]) * scale[clock] for r in keyrows if num(r.get(key)) is not None]
            on = [num(r[key]) * scale[clock] for r in rows_c
                  if r.get("kernel") == "patched" and num(r.get(key)) is not None]
            ratio = ""
            if off and on and statistics.median(off) > 0:
                q = statistics.median(on) / statistics.median(off)
                keyratios.append((clock, op, q))
                ratio = "{:.4f}".format(q)
            add("└ patched kernel alone, same boots: layer's static key off (base column) / on, {} {}".format(
                op, what.split(" (")[0].replace(", TCG wall clock", "")), "vtd",
                "off: " + spread(off, fmt), "on: " + spread(on, fmt), ratio)

    # 2. Hot path.
    hp = by("hotpath")
    if hp and num(hp[0].get("loops")):
        h = hp[0]
        loops = num(h["loops"])
        unit = "instructions" if h.get("icount") == "1" else "TSC ticks"

        def per(key):
            v = num(h.get(key))
            return "n/a" if v is None else "{:+.2f}".format((v - num(h["empty"])) / loops)
        add("hot path: iommu_ats_fenced() (each device-TLB invalidation), {} per call: "
            "layer off / on / on with another device fenced".format(unit),
            "vtd", "0 (no check)",
            "{} / {} / {}".format(per("off_fenced"), per("on_fenced"), per("other_fenced_fenced")))
        add("hot path: iommu_ats_some_fenced() (each VT-d queued invalidation), same", "vtd", "0 (no check)",
            "{} / {} / {}".format(per("off_some"), per("on_some"), per("other_fenced_some")))
        notes.append("hot path: {} per call over an empty loop of {:.0f} calls (the loop alone: {:.2f} "
                     "per iteration); \"off\" is the static key off (no device with ATS probed), "
                     "\"on\" the state of every system with an ATS device".format(
                         unit, loops, num(h["empty"]) / loops))
    else:
        add("hot path: fence checks", "vtd", "", "n/a (no result)")

    # 3. Fence latency, 5. recovery time.
    fence = by("fence")
    machines = []
    for r in fence:
        if r.get("machine") not in machines:
            machines.append(r.get("machine"))
    for m in machines:
        rs = [r for r in fence if r.get("machine") == m]
        status = [r["status"] for r in rs if "status" in r]
        ok = [r for r in rs if "status" not in r and r.get("ret") == "0"]
        if not ok:
            why = status[0] if status else "no fence"
            text = {"no-backend": "n/a (no backend yet)"}.get(why, "n/a ({})".format(why))
            add("fence latency: report → hardware fence complete", m, "", text)
            continue
        traced = all(r.get("report_traced") == "1" for r in ok)
        add("fence latency, µs: report → hardware fence complete; the driver's fence op alone", m, "",
            "{}; op {}".format(spread([num(r["report_to_fence_us"]) for r in ok], "{:.0f}")
                               if traced else "n/a (no function tracer)",
                               spread([num(r["fence_op_us"]) for r in ok], "{:.0f}")))
        add("recovery time, ms: {} → back in service (medians: report → unfence, unfence → in service)".format(
            ok[0].get("method", "?")), m, "",
            "{} ({}, {})".format(
                spread([num(r["start_to_service_ms"]) for r in ok], "{:.0f}"),
                med([num(r["report_to_unfence_ms"]) for r in ok]),
                med([num(r["unfence_to_service_ms"]) for r in ok])))

    # 4. Storms.
    rec = {r.get("kind"): r for r in by("stormrec")}
    for s in by("storm"):
        kind = s.get("kind")
        ns = num(s.get("ns")) or 0
        n = num(s.get("reports")) or 1
        r = rec.get(kind, {})
        if kind == "one":
            title = "storm: {} reports for one function".format(s.get("reports"))
        else:
            title = "storm: one report each for {} functions".format(s.get("devices"))
        text = ("fences {}, recoveries {}; CPU {:.1f} ms, {:.2f} µs/report{}; "
                "allocations by the reporting task {} (empty command {}, opening a file {}); "
                "all back in service after {:.0f} ms{}").format(
            s.get("fences"), s.get("recoveries"), ns / 1e6, ns / n / 1e3,
            " (slowest {:.0f} µs)".format(num(s["max_ns"]) / 1e3) if s.get("max_ns") else "",
            s.get("allocs"), s.get("control_allocs"), s.get("probe_allocs", "?"),
            num(r.get("start_to_all_ok_ms")) or float("nan"),
            "; recoveries in parallel: {:.1f} on average, the slowest fence → unfence {:.0f} ms".format(
                num(r["sum_fence_to_unfence_ms"]) / num(r["start_to_last_unfence_ms"]),
                num(r["worst_fence_to_unfence_ms"]))
            if kind != "one" and num(r.get("start_to_last_unfence_ms")) and r.get("sum_fence_to_unfence_ms") else "")
        if s.get("allocs") not in (None, "0"):
            text += " (sites: {})".format(s.get("alloc_sites"))
        add(title, "vtd-storm", "", text)
    if not by("storm"):
        add("storms", "vtd-storm", "", "n/a (no result)")

    # The output.
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out.append("## {}".format(now))
    out.append("")
    out.append("- host: {}".format(host()))
    out.append("- kernels: base Linux {} (pristine Debian linux-source-6.12); patched = base + this "
               "project at {}; the same non-debug config (common + x86_64 without KASAN + bench)".format(
                   a.base, a.patched))
    if dev:
        d = dev[0]
        out.append("- success path on {} ({}, ATS {}, {} domain, {}), dma_map_benchmark -t 1 -g 1; "
                   "one vCPU; each round boots base then patched on TCG's wall clock, then the same "
                   "under -icount; medians over every run of every round".format(
                       d.get("dev"), "virtio-rng", d.get("ats"), d.get("domain"),
                       "iommu.strict=" + d.get("iommu.strict", "?")))
    if a.elapsed:
        out.append("- run time: {} min {} s".format(a.elapsed // 60, a.elapsed % 60))
    out.append("- QEMU TCG timing is noisy (host load, translation, no KVM; the wall-clock latency "
               "of one kernel moves by ±20% from boot to boot): compare figures within one run only; "
               "medians [min–max] over runs. The -icount rows count instructions and do not depend "
               "on the host")
    out.append("")
    out.append("| benchmark | machine | base | patched | patched/base |")
    out.append("|---|---|---|---|---|")
    for t in table:
        out.append("| " + " | ".join(t) + " |")
    out.append("")
    for clock, op, q, rr, qmean in ratios:
        out.append("- success path, {} ({}): patched/base {:.4f} (of the means {:.4f}; per round {}); "
                   "target ≤ {:.2f}: {}".format(
                       op, {"wall": "wall clock", "icount": "instructions"}[clock], q, qmean,
                       ", ".join("{:.3f}".format(x) for x in rr) if rr else "n/a",
                       RATIO_TARGET, "holds" if q <= RATIO_TARGET else "does not hold"))
    for clock, op, q in keyratios:
        out.append("- success path, {} ({}), patched kernel alone: key on/off {:.4f}: the cost of the "
                   "layer's checks with everything else equal".format(
                       op, {"wall": "wall clock", "icount": "instructions"}[clock], q))
    if dma:
        out.append("- dma_map_benchmark counts whole 100 ns per map and unmap (truncated); under "
                   "-icount shift={} one instruction is {} ns, so its step is {:.1f} instructions".format(
                       a.icount_shift, 1 << a.icount_shift, 100.0 / (1 << a.icount_shift)))
    out.extend("- " + n for n in notes)
    if a.retried.strip():
        out.append("- booted again after QEMU 7.2's TCG text-patching race (Oops: int3; fixed in QEMU "
                   "8.1): " + "; ".join(x for x in a.retried.splitlines() if x.strip()))
    if a.failed.strip():
        out.append("- failed boots (their figures are missing): " + "; ".join(
            x for x in a.failed.splitlines() if x.strip()))
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
