// SPDX-License-Identifier: GPL-2.0
/*
 * ats_bench: the kernel side of the ATS recovery benchmarks (make bench,
 * workspace/bench.sh). It measures and judges nothing.
 *
 * debugfs ats_bench/cmd takes one command per write; reading it returns the
 * result of the last command as one line of key=value pairs:
 *
 *   devices NAME...  the PCI functions the next commands work on (up to
 *                    ATS_BENCH_MAX_DEVS, a reference held on each)
 *   storm COUNT      COUNT back-to-back iommu_ats_report_timeout() calls
 *                    for the first device, in the writer's task
 *   each             one iommu_ats_report_timeout() call for every device
 *   hotpath          the cost of the fence checks of the invalidation path,
 *                    iommu_ats_fenced() for the first device and
 *                    iommu_ats_some_fenced(), in TSC ticks per loop of
 *                    ATS_BENCH_LOOPS calls (the best of ATS_BENCH_ROUNDS,
 *                    interrupts off): against an empty loop, with the
 *                    layer's static key off (no device with ATS probed),
 *                    on (nothing fenced), and on with a device counted as
 *                    fenced; and the counter-only check the layer could
 *                    use instead (no static key). Under QEMU -icount the
 *                    TSC counts instructions.
 *   key off|on       turns the layer's static key off (every fence check of
 *                    the invalidation paths becomes a NOP, as on a system
 *                    where no device with ATS was probed) and back on, to
 *                    time the success path with and without the checks in
 *                    one boot. Only while nothing is fenced; while it is
 *                    off nothing must be reported (a fenced device would
 *                    not be muted). Unloading the module turns it back on.
 *
 * A command allocates nothing (the buffers are static), so that the
 * allocations traced in the writer's task during a storm are the report
 * path's own.
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/iommu-ats-recovery.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched/clock.h>
#include <linux/string.h>
#include <linux/timex.h>
#include <linux/uaccess.h>

#define ATS_BENCH_MAX_DEVS	256
#define ATS_BENCH_LOOPS		10000
#define ATS_BENCH_ROUNDS	32

static DEFINE_MUTEX(bench_lock);
static struct device *bench_devs[ATS_BENCH_MAX_DEVS];
static unsigned int bench_ndevs;
static char bench_cmd[4096];
static char bench_result[512];
static struct dentry *bench_dir;
static bool bench_key_off;

static void bench_put_devices(void)
{
	while (bench_ndevs)
		put_device(bench_devs[--bench_ndevs]);
}

static int bench_devices(char *args)
{
	struct device *dev;
	char *name;

	bench_put_devices();
	while ((name = strsep(&args, " \t\n"))) {
		if (!*name)
			continue;
		if (bench_ndevs == ATS_BENCH_MAX_DEVS)
			return -E2BIG;
		dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
		if (!dev)
			return -ENODEV;
		bench_devs[bench_ndevs++] = dev;
	}
	scnprintf(bench_result, sizeof(bench_result), "devices=%u\n", bench_ndevs);
	return 0;
}

static int bench_storm(unsigned long count)
{
	unsigned long i, fenced = 0;
	u64 start, ns;

	if (!bench_ndevs)
		return -ENODEV;
	start = local_clock();
	for (i = 0; i < count; i++)
		fenced += iommu_ats_report_timeout(bench_devs[0],
						   IOMMU_ATS_TIMEOUT_INJECTED);
	ns = local_clock() - start;
	scnprintf(bench_result, sizeof(bench_result),
		  "reports=%lu fenced_now=%lu ns=%llu\n", count, fenced, ns);
	return 0;
}

static int bench_each(void)
{
	u64 start, t, ns, max_ns = 0;
	unsigned int i, fenced = 0;

	if (!bench_ndevs)
		return -ENODEV;
	start = local_clock();
	for (i = 0; i < bench_ndevs; i++) {
		t = local_clock();
		fenced += iommu_ats_report_timeout(bench_devs[i],
						   IOMMU_ATS_TIMEOUT_INJECTED);
		max_ns = max(max_ns, local_clock() - t);
	}
	ns = local_clock() - start;
	scnprintf(bench_result, sizeof(bench_result),
		  "reports=%u fenced_now=%u ns=%llu max_ns=%llu\n",
		  bench_ndevs, fenced, ns, max_ns);
	return 0;
}

/*
 * The loops: each iteration is the check and nothing else, the same loop
 * without the check is the baseline. noinline keeps the compiler from
 * merging them with their caller; barrier() keeps each iteration.
 */
static noinline unsigned int bench_loop_empty(struct device *dev, unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++)
		barrier();
	return hits;
}

static noinline unsigned int bench_loop_fenced(struct device *dev, unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++) {
		hits += iommu_ats_fenced(dev);
		barrier();
	}
	return hits;
}

/*
 * The alternative the layer could have instead of iommu_ats_fenced(): the
 * counter alone, no static key (a compare with memory and a branch on
 * every system, with ATS or not). Measured beside it, not used.
 */
static __always_inline bool bench_fenced_counter_only(struct device *dev)
{
	if (likely(!atomic_read(&iommu_ats_nr_fenced)))
		return false;
	return __iommu_ats_fenced(dev);
}

static noinline unsigned int bench_loop_counter(struct device *dev, unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++) {
		hits += bench_fenced_counter_only(dev);
		barrier();
	}
	return hits;
}

static noinline unsigned int bench_loop_some(struct device *dev, unsigned int n)
{
	unsigned int i, hits = 0;

	for (i = 0; i < n; i++) {
		hits += iommu_ats_some_fenced();
		barrier();
	}
	return hits;
}

/* The best of ATS_BENCH_ROUNDS runs of @loop, in TSC ticks. */
static u64 bench_ticks(unsigned int (*loop)(struct device *, unsigned int),
		       struct device *dev)
{
	u64 best = U64_MAX, t;
	unsigned long flags;
	unsigned int r;

	for (r = 0; r < ATS_BENCH_ROUNDS; r++) {
		local_irq_save(flags);
		t = get_cycles();
		loop(dev, ATS_BENCH_LOOPS);
		t = get_cycles() - t;
		local_irq_restore(flags);
		best = min(best, t);
	}
	return best;
}

static int bench_hotpath(void)
{
	u64 empty, off_f, off_s, on_f, on_s, fenced_f, fenced_s, counter;
	struct device *dev;

	if (!bench_ndevs)
		return -ENODEV;
	dev = bench_devs[0];
	/*
	 * Turning the key off is only sound while nothing is fenced: the
	 * invalidation paths of other CPUs skip their check meanwhile.
	 */
	if (!static_key_enabled(&iommu_ats_active) ||
	    atomic_read(&iommu_ats_nr_fenced))
		return -EBUSY;

	empty = bench_ticks(bench_loop_empty, dev);

	static_branch_disable(&iommu_ats_active);
	off_f = bench_ticks(bench_loop_fenced, dev);
	off_s = bench_ticks(bench_loop_some, dev);
	static_branch_enable(&iommu_ats_active);

	on_f = bench_ticks(bench_loop_fenced, dev);
	on_s = bench_ticks(bench_loop_some, dev);
	counter = bench_ticks(bench_loop_counter, dev);

	/*
	 * Another device fenced: the check of a device that is not fenced
	 * then looks at its state. Counting a fence that did not happen only
	 * sends the other CPUs' checks down that slower, still exact, path.
	 */
	atomic_inc(&iommu_ats_nr_fenced);
	fenced_f = bench_ticks(bench_loop_fenced, dev);
	fenced_s = bench_ticks(bench_loop_some, dev);
	atomic_dec(&iommu_ats_nr_fenced);

	scnprintf(bench_result, sizeof(bench_result),
		  "loops=%u empty=%llu off_fenced=%llu off_some=%llu on_fenced=%llu on_some=%llu other_fenced_fenced=%llu other_fenced_some=%llu counter_only=%llu\n",
		  ATS_BENCH_LOOPS, empty, off_f, off_s, on_f, on_s,
		  fenced_f, fenced_s, counter);
	return 0;
}

static int bench_key(const char *arg)
{
	if (!arg)
		return -EINVAL;
	if (!strcmp(arg, "off")) {
		if (!static_key_enabled(&iommu_ats_active) ||
		    atomic_read(&iommu_ats_nr_fenced))
			return -EBUSY;
		static_branch_disable(&iommu_ats_active);
		bench_key_off = true;
	} else if (!strcmp(arg, "on")) {
		if (bench_key_off)
			static_branch_enable(&iommu_ats_active);
		bench_key_off = false;
	} else {
		return -EINVAL;
	}
	scnprintf(bench_result, sizeof(bench_result), "key=%s\n",
		  static_key_enabled(&iommu_ats_active) ? "on" : "off");
	return 0;
}

static int bench_run(char *cmd)
{
	char *verb = strsep(&cmd, " \t\n");
	unsigned long count;

	if (!strcmp(verb, "devices"))
		return bench_devices(cmd);
	if (!strcmp(verb, "storm")) {
		if (!cmd || kstrtoul(strim(cmd), 0, &count))
			return -EINVAL;
		return bench_storm(count);
	}
	if (!strcmp(verb, "each"))
		return bench_each();
	if (!strcmp(verb, "hotpath"))
		return bench_hotpath();
	if (!strcmp(verb, "key"))
		return bench_key(cmd ? strim(cmd) : NULL);
	return -EINVAL;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	int ret;

	if (count >= sizeof(bench_cmd))
		return -E2BIG;
	mutex_lock(&bench_lock);
	if (copy_from_user(bench_cmd, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	bench_cmd[count] = '\0';
	bench_result[0] = '\0';
	ret = bench_run(strim(bench_cmd));
out:
	mutex_unlock(&bench_lock);
	return ret ? ret : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_result,
				      strlen(bench_result));
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner	= THIS_MODULE,
	.write	= bench_write,
	.read	= bench_read,
	.llseek	= default_llseek,
};

static int __init ats_bench_init(void)
{
	bench_dir = debugfs_create_dir("ats_bench", NULL);
	debugfs_create_file("cmd", 0600, bench_dir, NULL, &bench_fops);
	return 0;
}

static void __exit ats_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	mutex_lock(&bench_lock);
	bench_put_devices();
	if (bench_key_off)
		static_branch_enable(&iommu_ats_active);
	mutex_unlock(&bench_lock);
}

module_init(ats_bench_init);
module_exit(ats_bench_exit);
MODULE_DESCRIPTION("ATS fence/recover: kernel side of the benchmarks");
MODULE_LICENSE("GPL");
