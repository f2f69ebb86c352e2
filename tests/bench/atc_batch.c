// SPDX-License-Identifier: GPL-2.0
/*
 * atc_batch: unmaps in one IOMMU domain shared by N functions with ATS, so
 * that each unmap's flush carries N ATC invalidations (make bench: the
 * SMMUv3 commands and CMD_SYNCs per unmap, counted in QEMU's trace). It
 * uses only the IOMMU API, so it builds against the pristine kernel as
 * well as the patched one, and measures nothing itself.
 *
 * debugfs atc_batch/cmd takes one command per write; reading it returns
 * the result of the last command as one line of key=value pairs:
 *
 *   attach NAME...  the IOMMU groups of the named PCI functions (no driver
 *                   bound) are claimed for DMA ownership and attached to
 *                   one new paging domain (the IOMMU driver enables ATS at
 *                   the functions that have it, as for any paging domain)
 *   unmaps COUNT    COUNT times one page is mapped and unmapped in it
 *                   (iommu_unmap() flushes before it returns): nothing
 *                   else, so that the commands traced meanwhile are the
 *                   unmaps' own
 *   detach          the groups go back to their default domains
 */
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define ATC_BATCH_MAX_GROUPS	256
#define ATC_BATCH_IOVA		SZ_1G

static DEFINE_MUTEX(batch_lock);
static struct iommu_group *batch_groups[ATC_BATCH_MAX_GROUPS];
static unsigned int batch_ngroups;
static char batch_cmd[8192];
static char batch_result[256];
static struct dentry *batch_dir;

static struct iommu_domain *batch_domain;
static unsigned int batch_ndevs, batch_attached;
static struct page *batch_page;

static int batch_detach(void)
{
	unsigned int i;

	for (i = 0; i < batch_ngroups; i++) {
		if (i < batch_attached)
			iommu_detach_group(batch_domain, batch_groups[i]);
		iommu_group_release_dma_owner(batch_groups[i]);
		iommu_group_put(batch_groups[i]);
	}
	if (batch_domain)
		iommu_domain_free(batch_domain);
	batch_domain = NULL;
	batch_ngroups = 0;
	batch_attached = 0;
	batch_ndevs = 0;
	snprintf(batch_result, sizeof(batch_result), "detached\n");
	return 0;
}

/* Takes the group of @name, once, with DMA ownership */
static int batch_add(const char *name, struct device **first)
{
	struct iommu_group *group;
	struct device *dev;
	unsigned int i;
	int ret;

	dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
	if (!dev)
		return -ENODEV;
	group = iommu_group_get(dev);
	if (!*first)
		*first = dev;
	else
		put_device(dev);
	if (!group)
		return -ENODEV;
	for (i = 0; i < batch_ngroups; i++) {
		if (batch_groups[i] == group) {
			iommu_group_put(group);
			return 0;
		}
	}
	if (batch_ngroups == ATC_BATCH_MAX_GROUPS) {
		iommu_group_put(group);
		return -E2BIG;
	}
	ret = iommu_group_claim_dma_owner(group, &batch_lock);
	if (ret) {
		iommu_group_put(group);
		return ret;
	}
	batch_groups[batch_ngroups++] = group;
	return 0;
}

static int batch_attach(char *names)
{
	struct device *first = NULL;
	struct iommu_domain *domain;
	char *name;
	int ret = 0;

	if (batch_domain || batch_ngroups)
		return -EBUSY;
	while ((name = strsep(&names, " \t\n"))) {
		if (!*name)
			continue;
		ret = batch_add(name, &first);
		if (ret)
			goto fail;
		batch_ndevs++;
	}
	if (!first)
		return -EINVAL;
	domain = iommu_paging_domain_alloc(first);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto fail;
	}
	batch_domain = domain;
	for (; batch_attached < batch_ngroups; batch_attached++) {
		ret = iommu_attach_group(domain, batch_groups[batch_attached]);
		if (ret)
			goto fail;
	}
	put_device(first);
	snprintf(batch_result, sizeof(batch_result), "devices=%u groups=%u\n",
		 batch_ndevs, batch_ngroups);
	return 0;
fail:
	batch_detach();
	if (first)
		put_device(first);
	snprintf(batch_result, sizeof(batch_result), "attach failed: %d\n", ret);
	return ret;
}

static int batch_unmaps(unsigned long count)
{
	unsigned long done;
	int ret = 0;

	if (!batch_domain)
		return -ENODEV;
	for (done = 0; done < count; done++) {
		ret = iommu_map(batch_domain, ATC_BATCH_IOVA,
				page_to_phys(batch_page), PAGE_SIZE,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (ret)
			break;
		if (iommu_unmap(batch_domain, ATC_BATCH_IOVA, PAGE_SIZE) != PAGE_SIZE) {
			ret = -EIO;
			break;
		}
	}
	snprintf(batch_result, sizeof(batch_result),
		 "devices=%u groups=%u unmaps=%lu ret=%d\n",
		 batch_ndevs, batch_ngroups, done, ret);
	return ret;
}

static ssize_t batch_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	unsigned long unmaps;
	char *args, *word;
	int ret;

	if (count >= sizeof(batch_cmd))
		return -E2BIG;
	mutex_lock(&batch_lock);
	if (copy_from_user(batch_cmd, ubuf, count)) {
		ret = -EFAULT;
		goto out;
	}
	batch_cmd[count] = '\0';
	args = strim(batch_cmd);
	word = strsep(&args, " ");
	if (!strcmp(word, "attach") && args) {
		ret = batch_attach(args);
	} else if (!strcmp(word, "unmaps") && args) {
		ret = kstrtoul(args, 0, &unmaps);
		if (!ret)
			ret = batch_unmaps(unmaps);
	} else if (!strcmp(word, "detach") && !args) {
		ret = batch_detach();
	} else {
		ret = -EINVAL;
	}
out:
	mutex_unlock(&batch_lock);
	return ret ? ret : count;
}

static ssize_t batch_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&batch_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, batch_result,
				      strlen(batch_result));
	mutex_unlock(&batch_lock);
	return ret;
}

static const struct file_operations batch_fops = {
	.owner = THIS_MODULE,
	.write = batch_write,
	.read = batch_read,
	.llseek = default_llseek,
};

static int __init atc_batch_init(void)
{
	batch_page = alloc_page(GFP_KERNEL);
	if (!batch_page)
		return -ENOMEM;
	batch_dir = debugfs_create_dir("atc_batch", NULL);
	debugfs_create_file("cmd", 0600, batch_dir, NULL, &batch_fops);
	return 0;
}

static void __exit atc_batch_exit(void)
{
	debugfs_remove_recursive(batch_dir);
	batch_detach();
	__free_page(batch_page);
}

module_init(atc_batch_init);
module_exit(atc_batch_exit);
MODULE_DESCRIPTION("ATC invalidations per unmap in a domain shared by N functions (make bench)");
MODULE_LICENSE("GPL");
