// SPDX-License-Identifier: GPL-2.0
/*
 * ats_atc_test: the driver of the emulator's pcie-ats-testdev (1b36:00a5,
 * qemu/patches: a PCIe endpoint with a real ATC), for the scenario that
 * shows what the ATS fence is for: after an unmap whose ATC invalidation
 * the function never confirmed, the function must not be able to write
 * through the translation it still caches into memory the OS reuses.
 *
 * debugfs ats_atc_test/ctl takes one command at a time; ats_atc_test/result
 * reads what the last one found, one "key=value" a word:
 *
 *   map    maps a fresh page (DMA API, bidirectional), has the function
 *          translate its IOVA (ATS Translation Request) and write 0x11 over
 *          it through the ATC entry: the translated path works.
 *   unmap  unmaps the page. With the function stuck, the IOMMU's ATC
 *          invalidation times out inside this call. Then, as soon as the
 *          unmap returns, the page gets a new owner's data (0x5a; the page
 *          stays allocated to this driver, standing for its next user, so
 *          a write that lands corrupts nothing else) and the function is
 *          told to write 0xa5 through its stale entry. The result says
 *          whether the layer had the function fenced when the unmap
 *          returned, what the function saw (STATUS) and how many bytes of
 *          the new owner's data changed.
 *
 * It has every pci_error_handlers callback, so the layer's recovery resets
 * the function through it; they are logged to the kernel log.
 */
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/iommu-ats-recovery.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#define ATC_TEST_REG_ID		0x00
#define ATC_TEST_REG_STATUS	0x04
#define ATC_TEST_REG_IOVA_LO	0x08
#define ATC_TEST_REG_IOVA_HI	0x0c
#define ATC_TEST_REG_PATTERN	0x10
#define ATC_TEST_REG_LENGTH	0x14
#define ATC_TEST_REG_COMMAND	0x18
#define ATC_TEST_REG_ENTRIES	0x1c
#define ATC_TEST_REG_XLAT_LO	0x20
#define ATC_TEST_REG_XLAT_HI	0x24

#define ATC_TEST_ID		0x41545354
#define ATC_TEST_CMD_TRANSLATE	1
#define ATC_TEST_CMD_WRITE	2

#define ATC_TEST_MAPPED		0x11	/* the function's write while mapped */
#define ATC_TEST_NEW_OWNER	0x5a	/* the page's next user's data */
#define ATC_TEST_STALE		0xa5	/* the function's write after the unmap */

static const char * const atc_test_status[] = {
	"none", "done", "refused", "atc-miss", "translation-failed",
	"ats-disabled", "bad-argument",
};

static struct {
	struct mutex lock;		/* the fields below; inside the device lock */
	struct pci_dev *pdev;
	void __iomem *regs;
	struct page *page;
	dma_addr_t iova;
	bool mapped;
	char result[256];
} atc;

static struct dentry *atc_dir;

static const char *atc_test_run(u32 cmd, u8 pattern)
{
	u32 st;

	writel(lower_32_bits(atc.iova), atc.regs + ATC_TEST_REG_IOVA_LO);
	writel(upper_32_bits(atc.iova), atc.regs + ATC_TEST_REG_IOVA_HI);
	writel(pattern, atc.regs + ATC_TEST_REG_PATTERN);
	writel(PAGE_SIZE, atc.regs + ATC_TEST_REG_LENGTH);
	writel(cmd, atc.regs + ATC_TEST_REG_COMMAND);
	st = readl(atc.regs + ATC_TEST_REG_STATUS);
	return st < ARRAY_SIZE(atc_test_status) ? atc_test_status[st] : "unknown";
}

static unsigned int atc_test_bytes_not(u8 pattern)
{
	const u8 *p = page_address(atc.page);
	unsigned int i, n = 0;

	for (i = 0; i < PAGE_SIZE; i++)
		n += p[i] != pattern;
	return n;
}

static void atc_test_free_page(void)
{
	if (atc.mapped)
		dma_unmap_page(&atc.pdev->dev, atc.iova, PAGE_SIZE,
			       DMA_BIDIRECTIONAL);
	atc.mapped = false;
	if (atc.page)
		__free_page(atc.page);
	atc.page = NULL;
}

static int atc_test_map(void)
{
	struct device *dev = &atc.pdev->dev;
	const char *translate, *write;
	u64 xlat;

	atc_test_free_page();
	atc.page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!atc.page)
		return -ENOMEM;
	atc.iova = dma_map_page(dev, atc.page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, atc.iova)) {
		atc_test_free_page();
		return -ENOMEM;
	}
	atc.mapped = true;
	translate = atc_test_run(ATC_TEST_CMD_TRANSLATE, 0);
	xlat = readl(atc.regs + ATC_TEST_REG_XLAT_LO) |
	       (u64)readl(atc.regs + ATC_TEST_REG_XLAT_HI) << 32;
	write = atc_test_run(ATC_TEST_CMD_WRITE, ATC_TEST_MAPPED);
	snprintf(atc.result, sizeof(atc.result),
		 "map ats=%d translate=%s xlat-is-page=%d write=%s bytes-not-written=%u entries=%u\n",
		 atc.pdev->ats_enabled, translate,
		 xlat == page_to_phys(atc.page), write,
		 atc_test_bytes_not(ATC_TEST_MAPPED),
		 readl(atc.regs + ATC_TEST_REG_ENTRIES));
	return 0;
}

static int atc_test_unmap(void)
{
	const char *write;
	bool fenced;

	if (!atc.mapped)
		return -EINVAL;
	dma_unmap_page(&atc.pdev->dev, atc.iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	atc.mapped = false;
	/* What the OS may do the moment the unmap returns: reuse the page */
	fenced = iommu_ats_fenced(&atc.pdev->dev);
	memset(page_address(atc.page), ATC_TEST_NEW_OWNER, PAGE_SIZE);
	write = atc_test_run(ATC_TEST_CMD_WRITE, ATC_TEST_STALE);
	snprintf(atc.result, sizeof(atc.result),
		 "unmap fenced-at-return=%d stale-write=%s bytes-changed=%u entries=%u\n",
		 fenced, write, atc_test_bytes_not(ATC_TEST_NEW_OWNER),
		 readl(atc.regs + ATC_TEST_REG_ENTRIES));
	return 0;
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	struct pci_dev *pdev;
	char buf[16];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (!sysfs_streq(buf, "map") && !sysfs_streq(buf, "unmap"))
		return -EINVAL;
	mutex_lock(&atc.lock);
	pdev = pci_dev_get(atc.pdev);
	mutex_unlock(&atc.lock);
	if (!pdev)
		return -ENODEV;
	/*
	 * Under the device lock, as remove() and the recovery's reset are:
	 * the reset (which empties the ATC) cannot come between the unmap
	 * and the stale write.
	 */
	device_lock(&pdev->dev);
	mutex_lock(&atc.lock);
	if (atc.pdev != pdev)
		ret = -ENODEV;
	else if (sysfs_streq(buf, "map"))
		ret = atc_test_map();
	else
		ret = atc_test_unmap();
	mutex_unlock(&atc.lock);
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
	return ret ?: count;
}

static ssize_t result_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&atc.lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, atc.result,
				      strlen(atc.result));
	mutex_unlock(&atc.lock);
	return ret;
}

static const struct file_operations ctl_fops = {
	.owner	= THIS_MODULE,
	.write	= ctl_write,
};

static const struct file_operations result_fops = {
	.owner	= THIS_MODULE,
	.read	= result_read,
};

static pci_ers_result_t atc_test_error_detected(struct pci_dev *pdev,
						pci_channel_state_t state)
{
	pci_info(pdev, "ats_atc_test: error_detected (%d)\n", state);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t atc_test_slot_reset(struct pci_dev *pdev)
{
	pci_info(pdev, "ats_atc_test: slot_reset\n");
	pci_restore_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void atc_test_resume(struct pci_dev *pdev)
{
	pci_info(pdev, "ats_atc_test: resume\n");
}

static const struct pci_error_handlers atc_test_err_handler = {
	.error_detected	= atc_test_error_detected,
	.slot_reset	= atc_test_slot_reset,
	.resume		= atc_test_resume,
};

static int atc_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	void __iomem *regs;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	regs = pcim_iomap_region(pdev, 0, "ats_atc_test");
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	if (readl(regs + ATC_TEST_REG_ID) != ATC_TEST_ID)
		return -ENODEV;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	pci_set_master(pdev);
	pci_save_state(pdev);
	mutex_lock(&atc.lock);
	if (atc.pdev) {
		mutex_unlock(&atc.lock);
		return -EBUSY;	/* one function is all the scenario uses */
	}
	atc.pdev = pdev;
	atc.regs = regs;
	mutex_unlock(&atc.lock);
	pci_info(pdev, "ats_atc_test: ATS %s\n",
		 pdev->ats_enabled ? "enabled" : "disabled");
	return 0;
}

static void atc_test_remove(struct pci_dev *pdev)
{
	mutex_lock(&atc.lock);
	if (atc.pdev == pdev) {
		atc_test_free_page();
		atc.pdev = NULL;
		atc.regs = NULL;
	}
	mutex_unlock(&atc.lock);
}

static const struct pci_device_id atc_test_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT, 0x00a5) },
	{ }
};
MODULE_DEVICE_TABLE(pci, atc_test_ids);

static struct pci_driver atc_test_driver = {
	.name		= "ats_atc_test",
	.id_table	= atc_test_ids,
	.probe		= atc_test_probe,
	.remove		= atc_test_remove,
	.err_handler	= &atc_test_err_handler,
};

static int __init atc_test_init(void)
{
	mutex_init(&atc.lock);
	atc_dir = debugfs_create_dir("ats_atc_test", NULL);
	debugfs_create_file("ctl", 0200, atc_dir, NULL, &ctl_fops);
	debugfs_create_file("result", 0400, atc_dir, NULL, &result_fops);
	return pci_register_driver(&atc_test_driver);
}

static void __exit atc_test_exit(void)
{
	pci_unregister_driver(&atc_test_driver);
	debugfs_remove(atc_dir);
}

module_init(atc_test_init);
module_exit(atc_test_exit);
MODULE_DESCRIPTION("Driver of QEMU's pcie-ats-testdev, for the ATS fence scenario");
MODULE_LICENSE("GPL");
