// SPDX-License-Identifier: GPL-2.0
/// Invariant 2 (Documentation/iommu/ats-recovery.rst): the fence path runs
/// with interrupts off under a raw spinlock. Nothing reachable from an
/// iommu_ops .ats_fence op or from the layer's report path may allocate
/// with GFP_KERNEL, take a mutex or a spinlock_t, sleep or wait.
///
/// Reachability is computed over every file of the folders below: each
/// function's calls are collected, then followed from the roots (the fence
/// ops and the report entry points) across files. A call through a struct
/// member (iommu->flush.flush_context(...)) goes to every function
/// assigned to a member of that name (a static one of the assigning
/// file where it has one); a function named in a body without
/// being called (a callback passed to pci_for_each_dma_alias(), say) counts
/// as called; a call to a name goes to that file's function if it has one,
/// else to every file's. All of these can only add paths (a false report),
/// never hide one. Not followed: pointers kept in variables and called
/// through them.
///
/// One known exception, not ours: dmar_latency_update() (VT-d's
/// CONFIG_DMAR_PERF statistics) takes a spinlock_t in qi_submit_sync(),
/// which upstream already calls under raw spinlocks (IRTE flushes under
/// irq_2_ir_lock); its lock also guards a GFP_ATOMIC allocation, so it
/// cannot simply become raw.
// dirs: drivers/iommu
// jobs: 1 (the graph spans files: one spatch process must see them all)
// Options: --no-includes --include-headers
virtual report

@initialize:python@
@@
import collections
import re
calls = collections.defaultdict(set)
sites = collections.defaultdict(list)
starts = collections.defaultdict(list)
exempt = set(["dmar_latency_update"])
roots = set(["iommu_ats_report_timeout", "__iommu_ats_report",
	     "iommu_ats_hw_fence", "iommu_ats_refence", "iommu_ats_isolate"])

@ops@
identifier I, F;
@@
struct iommu_ops I = { ..., .ats_fence = F, ... };

@script:python@
F << ops.F;
@@
roots.add(F)

// The op usually lives in another file than the ops table: fence ops are
// also recognised by name (the convention: *_ats_fence).
@named@
identifier F =~ "_ats_fence$";
@@
F(...) { ... }

@script:python@
F << named.F;
@@
roots.add(F)

// Where each function starts; its calls are read from its body in the
// finalizer (up to the next function: an over-approximation, cheap where a
// match of every call in every function was not).
@fn@
identifier F;
position p;
@@
F@p(...) { ... }

@script:python@
F << fn.F;
p << fn.p;
@@
starts[p[0].file].append((int(p[0].line), F))

@bad@
identifier F;
position p;
expression list es;
@@
F(...) {
<+...
(
 mutex_lock@p(...)
|
 mutex_lock_interruptible@p(...)
|
 spin_lock@p(...)
|
 spin_lock_irq@p(...)
|
 spin_lock_irqsave@p(...)
|
 spin_lock_bh@p(...)
|
 down@p(...)
|
 msleep@p(...)
|
 usleep_range@p(...)
|
 schedule@p()
|
 might_sleep@p()
|
 wait_for_completion@p(...)
|
 wait_event@p(...)
|
 flush_work@p(...)
|
 cancel_work_sync@p(...)
|
 kmalloc@p(es, GFP_KERNEL)
|
 kzalloc@p(es, GFP_KERNEL)
|
 kcalloc@p(es, GFP_KERNEL)
|
 vmalloc@p(...)
)
...+>
}

@script:python@
F << bad.F;
p << bad.p;
@@
sites[F].append(p[0])

@finalize:python depends on report@
@@
# Each function's body, found by matching braces from its first "{" in
# the file with comments and literals blanked (newlines kept), and the
# calls in it. A call resolves to the function of that name in the same
# file if there is one (a static one), else to every file's.
quote = chr(39)
blank = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|" +
		   quote + r"(?:\\.|[^\\\n" + quote + r"])*" + quote, re.S)
call = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
# Calls through a struct member ("x->flush_context(", "ops->ats_fence(")
# resolve to every function assigned to a member of that name.
word = re.compile(r"\b([A-Za-z_]\w*)\b")
member_call = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)\s*\(")
member_set = re.compile(r"(?:->|\.)\s*([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)\s*[,;}]")
keywords = set(["if", "for", "while", "switch", "return", "sizeof",
		"typeof", "__typeof__", "defined", "__attribute__"])

def body_of(text, offset):
	i = text.find("{", offset)
	depth = 0
	for j in range(i, len(text)):
		if text[j] == "{":
			depth += 1
		elif text[j] == "}":
			depth -= 1
			if depth == 0:
				return text[i:j + 1]
	return text[i:]

defined_in = collections.defaultdict(set)
for file, fns in starts.items():
	for line, f in fns:
		defined_in[f].add(file)
known = set(defined_in)
texts = {}
members = collections.defaultdict(set)
for file in starts:
	texts[file] = blank.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)),
				open(file).read())
	# A function assigned in a file that defines one of that name is
	# the one of that file (a static one), as for direct calls.
	for m, g in member_set.findall(texts[file]):
		if g in defined_in:
			where = [file] if file in defined_in[g] else defined_in[g]
			members[m] |= set((w, g) for w in where)
for file, fns in starts.items():
	text = texts[file]
	line_at = [0]
	for l in text.split("\n"):
		line_at.append(line_at[-1] + len(l) + 1)
	for line, f in fns:
		body = body_of(text, line_at[line - 1])
		names = set(call.findall(body))
		names |= set(word.findall(body)) & known
		for g in sorted(names):
			if g in keywords:
				continue
			where = [file] if file in defined_in[g] else sorted(defined_in[g])
			for w in where:
				calls[(file, f)].add((w, g))
		for m in member_call.findall(body):
			calls[(file, f)] |= members.get(m, set())

# Breadth first from the roots, with the path to each function.
path = {}
todo = []
for f in sorted(roots):
	for w in sorted(defined_in[f]):
		path[(w, f)] = [f]
		todo.append((w, f))
while todo:
	k = todo.pop(0)
	for g in sorted(calls.get(k, ())):
		if g not in path:
			path[g] = path[k] + [g[1]]
			todo.append(g)
for (w, f) in sorted(path):
	if f in exempt:
		continue
	for p in sites.get(f, ()):
		if p.file == w:
			coccilib.report.print_report(p, "on the ATS fence path (%s): interrupts off under a raw spinlock, so no sleeping, no mutex, no spinlock_t, no GFP_KERNEL" % " -> ".join(path[(w, f)]))
