// SPDX-License-Identifier: GPL-2.0
/*
 * ATS fence/recover: the per-device sysfs attributes,
 * /sys/bus/pci/devices/.../ats_recovery/ (Documentation/ABI/testing/
 * sysfs-bus-pci-devices-ats_recovery).
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct iommu_ats_dev *to_ats(struct device *dev)
{
	return iommu_ats_dev_get_state(dev);
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	enum iommu_ats_state state = iommu_ats_read_state(dev);

	return sysfs_emit(buf, "%s\n", iommu_ats_state_name(state));
}
static DEVICE_ATTR_RO(state);

static ssize_t last_reason_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct iommu_ats_dev *ad = to_ats(dev);

	if (!ad->nr_fences)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s\n", iommu_ats_reason_name(ad->last_reason));
}
static DEVICE_ATTR_RO(last_reason);

#define IOMMU_ATS_COUNTER_ATTR(_name, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct iommu_ats_dev *ad = to_ats(dev);				\
									\
	return sysfs_emit(buf, "%lu\n", (unsigned long)(_expr));	\
}									\
static DEVICE_ATTR_RO(_name)

IOMMU_ATS_COUNTER_ATTR(fences, READ_ONCE(ad->nr_fences));
IOMMU_ATS_COUNTER_ATTR(recoveries, READ_ONCE(ad->nr_recoveries));
IOMMU_ATS_COUNTER_ATTR(failed_resets, READ_ONCE(ad->nr_failed_resets));
IOMMU_ATS_COUNTER_ATTR(resets, READ_ONCE(ad->reset_gen));
IOMMU_ATS_COUNTER_ATTR(reports, atomic_long_read(&ad->nr_reports));
IOMMU_ATS_COUNTER_ATTR(refused, atomic_long_read(&ad->nr_refused));

static const char * const iommu_ats_policy_names[] = {
	[IOMMU_ATS_POLICY_AUTO]		= "auto",
	[IOMMU_ATS_POLICY_MANUAL]	= "manual",
};

static ssize_t policy_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  iommu_ats_policy_names[READ_ONCE(to_ats(dev)->policy)]);
}

static ssize_t policy_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	int policy = sysfs_match_string(iommu_ats_policy_names, buf);

	if (policy < 0)
		return -EINVAL;
	WRITE_ONCE(to_ats(dev)->policy, policy);
	return count;
}
static DEVICE_ATTR_RW(policy);

static struct attribute *iommu_ats_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_last_reason.attr,
	&dev_attr_fences.attr,
	&dev_attr_recoveries.attr,
	&dev_attr_failed_resets.attr,
	&dev_attr_resets.attr,
	&dev_attr_reports.attr,
	&dev_attr_refused.attr,
	&dev_attr_policy.attr,
	NULL
};

static const struct attribute_group iommu_ats_attr_group = {
	.name	= "ats_recovery",
	.attrs	= iommu_ats_attrs,
};

int iommu_ats_sysfs_add(struct iommu_ats_dev *ad)
{
	return sysfs_create_group(&ad->dev->kobj, &iommu_ats_attr_group);
}

void iommu_ats_sysfs_remove(struct iommu_ats_dev *ad)
{
	sysfs_remove_group(&ad->dev->kobj, &iommu_ats_attr_group);
}
