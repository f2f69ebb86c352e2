// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: fault injection.
 *
 * No emulator produces an ATC invalidation timeout, so the layer can make a
 * driver's own detection point see one: drivers call
 * iommu_ats_inject_timeout() right where they would notice a real timeout,
 * and take their real path from there. Two ways to arm it, both in debugfs
 * under iommu/ats_recovery/:
 *
 *   echo "0000:01:00.0 3" > inject    the next 3 ATC invalidations of that
 *                                     device time out (no count: 1 shot;
 *                                     0 disarms)
 *   echo fail_ats_inv > inject        consult the fail_ats_inv fault
 *                                     attribute (probability, interval,
 *                                     times, ...: fault-injection.rst) for
 *                                     every ATC invalidation
 *
 * Reading inject lists the armed devices. A device that does not exist is
 * -ENODEV, one without ATS recovery state (no ATS) or garbage is -EINVAL;
 * a rejected write changes nothing. Until armed, the driver-side check is a
 * NOP branch (iommu_ats_inject_key).
 *
 * Two more files drive the layer itself, for testing the recovery and the
 * PCI reset paths on their own:
 *
 *   echo 0000:01:00.0 > report        report a timeout for the device now,
 *                                     as a driver would (the driver's fence
 *                                     op runs, the recovery follows)
 *   echo "0000:01:00.0 1" > fail_reset
 *                                     the next reset of the device counts
 *                                     as failed, whatever its result
 */
#define pr_fmt(fmt) "iommu-ats: " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "internal.h"

static DECLARE_FAULT_ATTR(fail_ats_inv);
static bool fail_ats_inv_on;

static int __init fail_ats_inv_setup(char *str)
{
	/* setup_fault_attr() returns 1 when it took the value, as __setup wants */
	if (!setup_fault_attr(&fail_ats_inv, str))
		return -EINVAL;
	fail_ats_inv_on = true;
	return 0;
}
early_param("fail_ats_inv", fail_ats_inv_setup);

/**
 * __iommu_ats_inject_timeout() - slow part of iommu_ats_inject_timeout()
 * @dev: the device whose ATC invalidation the driver just saw complete
 *
 * Context: any.
 * Return: true if a simulated timeout fires for @dev now.
 */
bool __iommu_ats_inject_timeout(struct device *dev)
{
	struct iommu_ats_dev *ad;
	bool fire = false;

	rcu_read_lock();
	ad = iommu_ats_dev_get_state(dev);
	if (ad && atomic_dec_if_positive(&ad->inject_shots) >= 0)
		fire = true;
	rcu_read_unlock();
	if (!fire && READ_ONCE(fail_ats_inv_on))
		fire = should_fail(&fail_ats_inv, 1);
	return fire;
}
EXPORT_SYMBOL_GPL(__iommu_ats_inject_timeout);

/* Arms @shots simulated timeouts for the device named @name. */
/* A PCI function without ATS is not the same error as a typo. */
static int iommu_ats_lookup_error(const char *name)
{
	struct device *dev = bus_find_device_by_name(&pci_bus_type, NULL, name);

	if (!dev)
		return -ENODEV;
	put_device(dev);
	return -EINVAL;
}

int iommu_ats_arm_injection(const char *name, unsigned int shots)
{
	struct iommu_ats_dev *ad = iommu_ats_find_by_name(name);

	if (!ad)
		return iommu_ats_lookup_error(name);
	atomic_set(&ad->inject_shots, shots);
	if (shots)
		static_branch_enable(&iommu_ats_inject_key);
	dev_info(ad->dev, "ATS recovery: %u simulated ATC invalidation timeout(s) armed\n",
		 shots);
	iommu_ats_find_done();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_arm_injection);

/* Arms @resets failed resets for the device named @name. */
int iommu_ats_arm_reset_failure(const char *name, unsigned int resets)
{
	struct iommu_ats_dev *ad = iommu_ats_find_by_name(name);

	if (!ad)
		return iommu_ats_lookup_error(name);
	atomic_set(&ad->fail_resets, resets);
	dev_info(ad->dev, "ATS recovery: the next %u reset(s) will count as failed\n",
		 resets);
	iommu_ats_find_done();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(iommu_ats_arm_reset_failure);

/* Reports a timeout for the device named @name, as its driver would. */
int iommu_ats_report_by_name(const char *name)
{
	struct iommu_ats_dev *ad = iommu_ats_find_by_name(name);

	if (!ad)
		return iommu_ats_lookup_error(name);
	dev_info(ad->dev, "ATS recovery: reporting a simulated ATC invalidation timeout (debugfs)\n");
	iommu_ats_report_timeout(ad->dev, IOMMU_ATS_TIMEOUT_INJECTED);
	iommu_ats_find_done();
	return 0;
}

/*
 * Parses "NAME [COUNT]" from userspace; COUNT defaults to 1. Returns the
 * name inside @buf.
 */
static char *iommu_ats_parse(const char __user *ubuf, size_t count,
			     char *buf, size_t size, unsigned int *num)
{
	char *p, *name, *arg;

	if (count >= size)
		return ERR_PTR(-EINVAL);
	if (copy_from_user(buf, ubuf, count))
		return ERR_PTR(-EFAULT);
	buf[count] = '\0';
	p = strim(buf);
	name = strsep(&p, " \t");
	if (!name || !*name)
		return ERR_PTR(-EINVAL);
	*num = 1;
	arg = p ? strim(p) : NULL;
	if (arg && *arg && kstrtouint(arg, 0, num))
		return ERR_PTR(-EINVAL);
	return name;
}

/*
 * Parses "NAME [COUNT]" from userspace and hands it to @apply; COUNT
 * defaults to 1. "fail_ats_inv" alone turns on the fault attribute, where
 * @fault_attr_ok says it may.
 */
static ssize_t iommu_ats_knob_write(const char __user *ubuf, size_t count,
				    int (*apply)(const char *name, unsigned int num),
				    bool fault_attr_ok)
{
	unsigned int num;
	char buf[64], *name;
	int ret;

	name = iommu_ats_parse(ubuf, count, buf, sizeof(buf), &num);
	if (IS_ERR(name))
		return PTR_ERR(name);
	if (fault_attr_ok && !strcmp(name, "fail_ats_inv")) {
		WRITE_ONCE(fail_ats_inv_on, true);
		static_branch_enable(&iommu_ats_inject_key);
		return count;
	}
	ret = apply(name, num);
	return ret ? ret : count;
}

static ssize_t inject_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	return iommu_ats_knob_write(ubuf, count, iommu_ats_arm_injection, true);
}

/* fail_reset and report: what a write does is the file's private data */
struct iommu_ats_knob {
	int (*apply)(const char *name, unsigned int num);
};

static ssize_t knob_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct iommu_ats_knob *knob = file->private_data;

	return iommu_ats_knob_write(ubuf, count, knob->apply, false);
}

static int iommu_ats_report_one(const char *name, unsigned int unused)
{
	return iommu_ats_report_by_name(name);
}

static struct iommu_ats_knob report_knob = { .apply = iommu_ats_report_one };
static struct iommu_ats_knob fail_reset_knob = { .apply = iommu_ats_arm_reset_failure };

static const struct file_operations knob_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= knob_write,
	.llseek	= noop_llseek,
};

static int inject_show(struct seq_file *m, void *v)
{
	seq_printf(m, "fail_ats_inv: %s\n", READ_ONCE(fail_ats_inv_on) ? "on" : "off");
	iommu_ats_show_armed(m);
	return 0;
}

static int inject_open(struct inode *inode, struct file *file)
{
	return single_open(file, inject_show, NULL);
}

static const struct file_operations inject_fops = {
	.owner		= THIS_MODULE,
	.open		= inject_open,
	.read		= seq_read,
	.write		= inject_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int __init iommu_ats_inject_init(void)
{
	struct dentry *iommu_dir, *dir;

	/* iommu/ exists with CONFIG_IOMMU_DEBUGFS; lookup takes a reference. */
	iommu_dir = debugfs_lookup("iommu", NULL);
	if (iommu_dir) {
		dir = debugfs_create_dir("ats_recovery", iommu_dir);
		dput(iommu_dir);
	} else {
		dir = debugfs_create_dir("ats_recovery",
					 debugfs_create_dir("iommu", NULL));
	}
	debugfs_create_file("inject", 0600, dir, NULL, &inject_fops);
	debugfs_create_file("report", 0200, dir, &report_knob, &knob_fops);
	debugfs_create_file("fail_reset", 0200, dir, &fail_reset_knob, &knob_fops);
	fault_create_debugfs_attr("fail_ats_inv", dir, &fail_ats_inv);
	if (fail_ats_inv_on)
		static_branch_enable(&iommu_ats_inject_key);
	return 0;
}
late_initcall(iommu_ats_inject_init);
