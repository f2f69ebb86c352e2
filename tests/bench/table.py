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

RATIO_TARGET = 1.002
HOT_TARGET = 2
RECOVERY_TARGET_MS = 300


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
    cmdq_ratios = []
    recov = []
    stuck_summary = []

    def add(bench, machine, base, patched, ratio=""):
        table.append((bench, machine, base, patched, ratio))

    # 1. Success path: per machine, per clock (-icount: the latencies
    # become instructions; TCG wall clock), per operation.
    dev = by("dmadev")
    dma = by("dma")
    ratios = []		# (machine, clock, op, ratio, per-round ratios, ratio of means)
    keyratios = []	# (machine, clock, op, on/off ratio)
    scale = {"wall": 1.0, "icount": 1000.0 / (1 << a.icount_shift)}
    dma_machines = []
    for r in dma:
        if r.get("machine") not in dma_machines:
            dma_machines.append(r.get("machine"))
    for mach in dma_machines:
        for clock, what, fmt in (("icount", "instructions (QEMU -icount)", "{:.1f}"),
                                 ("wall", "µs, TCG wall clock", "{:.1f}")):
            rows_c = [r for r in dma if r.get("clock", "wall") == clock and r.get("machine") == mach]
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
                    ratios.append((mach, clock, op, q, rr, statistics.mean(p) / statistics.mean(b)))
                    ratio = "{:.4f}".format(q)
                add("success path: dma_map_benchmark {}, {} per call (strict, ATS on)".format(op, what),
                    mach, spread(b, fmt), spread(p, fmt), ratio)
            # The same boots of the patched kernel, the layer's static key
            # off (in the base column) and on, alternating.
            keyrows = [r for r in by("dmakey") if r.get("clock", "wall") == clock and r.get("machine") == mach]
            for key, op in (("map_us", "map"), ("unmap_us", "unmap")) if keyrows else ():
                off = [num(r[key]) * scale[clock] for r in keyrows if num(r.get(key)) is not None]
                on = [num(r[key]) * scale[clock] for r in rows_c
                      if r.get("kernel") == "patched" and num(r.get(key)) is not None]
                ratio = ""
                if off and on and statistics.median(off) > 0:
                    q = statistics.median(on) / statistics.median(off)
                    keyratios.append((mach, clock, op, q))
                    ratio = "{:.4f}".format(q)
                add("└ patched kernel alone, same boots: layer's static key off (base column) / on, {} {}".format(
                    op, what.split(" (")[0].replace(", TCG wall clock", "")), mach,
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
        if h.get("counter_only"):
            add("hot path, the alternative: the fence counter alone, no static key (not used), {} per call, "
                "any system".format(unit), "vtd", "0 (no check)", per("counter_only"))
        notes.append("hot path: {} per call over an empty loop of {:.0f} calls (the loop alone: {:.2f} "
                     "per iteration); \"off\" is the static key off (no device with ATS probed), "
                     "\"on\" the state of every system with an ATS device".format(
                         unit, loops, num(h["empty"]) / loops))
        for key, what, verb in (("on_fenced", "an ATS device present and none fenced: iommu_ats_fenced()", ""),
                                ("counter_only", "the counter alone (no static key), on every system", "would ")):
            v = num(h.get(key))
            if v is None:
                continue
            d = (v - num(h["empty"])) / loops
            notes.append("hot path, {}: {:+.2f} {}; target ≤ {}: {}{}".format(
                what, d, unit, HOT_TARGET, verb, "hold" + ("s" if not verb else "") if d <= HOT_TARGET
                else ("not hold" if verb else "does not hold")))
    else:
        add("hot path: fence checks", "vtd", "", "n/a (no result)")

    # 3. SMMUv3 commands per unmap, N ATC invalidations in each.
    cmdq = by("cmdq")
    for n in sorted({int(r["n"]) for r in cmdq if r.get("n", "").isdigit()}):
        cells = {}
        for kind in ("base", "patched"):
            r = [x for x in cmdq if x.get("kernel") == kind and x.get("n") == str(n)]
            if not r or not num(r[0].get("unmaps")):
                cells[kind] = None
                continue
            r = r[0]
            u = num(r["unmaps"])
            cells[kind] = (num(r["commands"]) / u, num(r["sync"]) / u, num(r["atc_inv"]) / u,
                           num(r["tlbi"]) / u, r.get("ats"), r.get("ret"))
        def text(c):
            if c is None:
                return "n/a"
            return "{:.2f} ({:.2f} CMD_SYNC, {:.2f} ATC_INV, {:.2f} TLBI; ATS {})".format(*c[:5])
        ratio = ""
        if cells["base"] and cells["patched"] and cells["base"][0]:
            ratio = "{:.4f}".format(cells["patched"][0] / cells["base"][0])
            cmdq_ratios.append((n, cells["base"], cells["patched"]))
        atc = [c[2] for c in cells.values() if c is not None]
        add("SMMUv3: commands per unmap, the groups of {} function(s) in one domain ({} ATC invalidations "
            "per flush)".format(n, "{:.0f}".format(atc[0]) if atc else "?"),
            "smmuv3-batch", text(cells["base"]), text(cells["patched"]), ratio)
    if not cmdq:
        add("SMMUv3: commands per unmap", "smmuv3-batch", "", "n/a (no result)")

    # 4, 5. A function that stops answering: fenced, recovered, per path.
    stuck = by("stuck")
    model = by("model")
    smachines = []
    for r in stuck + model:
        if r.get("machine") not in smachines:
            smachines.append(r.get("machine"))
    for m in smachines:
        rs = [r for r in stuck if r.get("machine") == m and "status" not in r]
        bad = [r for r in stuck if r.get("machine") == m and "status" in r]
        ms = [r for r in model if r.get("machine") == m]
        mt = [num(r.get("timeout_to_fence_ms")) for r in ms if "status" not in r]
        add("stuck → fenced: the model's timeout → the model sees the fenced entry, ms (host clock)", m, "",
            spread(mt, "{:.1f}") + ("; not seen: {}".format(", ".join(
                "{}/{} {}".format(r.get("path"), r.get("shot"), r.get("status")) for r in ms if "status" in r))
                if any("status" in r for r in ms) else ""))
        add("stuck → fenced: report → hardware fence complete (the driver's fence op), µs; stuck → report, ms", m, "",
            "{}; {}".format(spread([num(r.get("fence_op_us")) for r in rs], "{:.0f}"),
                            spread([num(r.get("start_to_report_ms")) for r in rs], "{:.0f}", n=False)))
        byst = sum(int(r.get("bystanders_fenced", "0")) for r in rs)
        worst = max(rs, key=lambda r: num(r.get("max_wait_us")) or 0) if rs else None
        add("stuck → fenced: bystanders fenced (target 0); longest interrupts-off wait of an incident, µs", m, "",
            "{} in {} shots; {}".format(byst, len(rs),
                                        "{:.0f} ({}, {} shot {})".format(num(worst["max_wait_us"]), worst.get("max_wait_fn"),
                                                                      worst.get("path"), worst.get("shot"))
                                        if worst else "n/a") + ("; failed shots: {}".format(
                                            ", ".join("{}/{} {}".format(r.get("path"), r.get("shot"), r.get("status")) for r in bad))
                                            if bad else ""))
        for path in ("handlers", "virtio", "unbind"):
            pr = [r for r in rs if r.get("path") == path]
            if not pr:
                continue
            past = [num(r["fence_to_service_ms"]) - num(r["flr_ms"]) - (num(r.get("unbind_ms")) or 0)
                    for r in pr
                    if num(r.get("fence_to_service_ms")) is not None and num(r.get("flr_ms")) is not None]
            add("recovery ({}), ms: fence → back in service; the FLR{}; the rest (target < 300)".format(
                {"handlers": "nvme's error handlers", "virtio": "virtio-pci's handlers",
                 "unbind": "unbind fallback"}[path],
                "; the driver's remove (dma_map_benchmark's waits for its run)" if path == "unbind" else ""), m, "",
                "{}; FLR {}{}; the rest {}".format(
                    spread([num(r.get("fence_to_service_ms")) for r in pr], "{:.0f}"),
                    med([num(r.get("flr_ms")) for r in pr]),
                    "; remove {}".format(med([num(r.get("unbind_ms")) for r in pr])) if path == "unbind" else "",
                    spread(past, "{:.0f}", n=False)))
            recov.append((m, path, statistics.median(past) if past else None))
        stuck_summary.append((m, byst, num(worst["max_wait_us"]) if worst else None))

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
    out.append("- kernels: base Linux {} (pristine Debian linux-source-7.3); patched = base + this "
               "project at {}; per architecture the same non-debug config (common + ARCH without "
               "KASAN + bench); the emulator: QEMU 7.2 with qemu/patches".format(a.base, a.patched))
    seen = set()
    for d in dev:
        if d.get("machine") in seen:
            continue
        seen.add(d.get("machine"))
        out.append("- success path on {}: {} (virtio-rng, ATS {}, {} domain, {}), dma_map_benchmark -t 1 -g 1; "
                   "one vCPU; each round boots base then patched; medians over every run of every "
                   "round".format(d.get("machine"), d.get("dev"), d.get("ats"), d.get("domain"),
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
    for mach, clock, op, q, rr, qmean in ratios:
        out.append("- success path on {}, {} ({}): patched/base {:.4f} (of the means {:.4f}; per round {}); "
                   "target ≤ {:.3f}{}".format(
                       mach, op, {"wall": "wall clock", "icount": "instructions"}[clock], q, qmean,
                       ", ".join("{:.4f}".format(x) for x in rr) if rr else "n/a",
                       RATIO_TARGET, (": holds" if q <= RATIO_TARGET else ": does not hold")
                       if clock == "icount" else " (instructions only)"))
    for mach, clock, op, q in keyratios:
        out.append("- success path on {}, {} ({}), patched kernel alone: key on/off {:.4f}: the cost of the "
                   "layer's checks with everything else equal".format(
                       mach, op, {"wall": "wall clock", "icount": "instructions"}[clock], q))
    for n, b, p in cmdq_ratios:
        out.append("- SMMUv3, {:.0f} ATC invalidation(s) per flush: {:.2f} commands and {:.2f} CMD_SYNCs per unmap "
                   "patched, {:.2f} and {:.2f} base{}".format(
                       b[2], p[0], p[1], b[0], b[1], "" if (p[0], p[1]) == (b[0], b[1]) else ": they differ"))
    for m, path, past in recov:
        if past is not None:
            out.append("- recovery on {} through {}: {:.0f} ms past the FLR (and the driver's own remove); target < {} ms: {}".format(
                m, path, past, RECOVERY_TARGET_MS, "holds" if past < RECOVERY_TARGET_MS else "does not hold"))
    for m, byst, w in stuck_summary:
        out.append("- stuck function on {}: bystanders fenced {} (target 0: {}); longest interrupts-off "
                   "wait {}".format(m, byst, "holds" if byst == 0 else "does not hold",
                                    "{:.0f} µs".format(w) if w is not None else "n/a"))
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
