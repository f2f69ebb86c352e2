// SPDX-License-Identifier: GPL-2.0
/*
 * ats_errtest: a PCI driver with every pci_error_handlers callback, for the
 * ATS recovery scenarios. It binds only through driver_override (no ID
 * table), enables the function, and logs each callback, in order, to
 * debugfs ats_errtest/events (write anything to clear it). Module
 * parameters make error_detected() or slot_reset() answer DISCONNECT.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

static bool detect_disconnect;
module_param(detect_disconnect, bool, 0644);
MODULE_PARM_DESC(detect_disconnect, "error_detected() answers DISCONNECT");

static bool slot_reset_disconnect;
module_param(slot_reset_disconnect, bool, 0644);
MODULE_PARM_DESC(slot_reset_disconnect, "slot_reset() answers DISCONNECT");

static DEFINE_MUTEX(events_lock);
static char events[4096];
static size_t events_len;
static struct dentry *dir;

static void record(struct pci_dev *pdev, const char *what)
{
	mutex_lock(&events_lock);
	events_len += scnprintf(events + events_len, sizeof(events) - events_len,
				"%s %s\n", pci_name(pdev), what);
	mutex_unlock(&events_lock);
	pci_info(pdev, "ats_errtest: %s\n", what);
}

static const char *channel_state_name(pci_channel_state_t state)
{
	switch (state) {
	case pci_channel_io_normal:
		return "error_detected:normal";
	case pci_channel_io_frozen:
		return "error_detected:frozen";
	case pci_channel_io_perm_failure:
		return "error_detected:perm_failure";
	}
	return "error_detected:unknown";
}

static pci_ers_result_t ats_errtest_error_detected(struct pci_dev *pdev,
						   pci_channel_state_t state)
{
	record(pdev, channel_state_name(state));
	return detect_disconnect ? PCI_ERS_RESULT_DISCONNECT : PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t ats_errtest_mmio_enabled(struct pci_dev *pdev)
{
	record(pdev, "mmio_enabled");
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t ats_errtest_slot_reset(struct pci_dev *pdev)
{
	record(pdev, "slot_reset");
	return slot_reset_disconnect ? PCI_ERS_RESULT_DISCONNECT : PCI_ERS_RESULT_RECOVERED;
}

static void ats_errtest_resume(struct pci_dev *pdev)
{
	record(pdev, "resume");
}

static void ats_errtest_reset_prepare(struct pci_dev *pdev)
{
	record(pdev, "reset_prepare");
}

static void ats_errtest_reset_done(struct pci_dev *pdev)
{
	record(pdev, "reset_done");
}

static const struct pci_error_handlers ats_errtest_err_handler = {
	.error_detected	= ats_errtest_error_detected,
	.mmio_enabled	= ats_errtest_mmio_enabled,
	.slot_reset	= ats_errtest_slot_reset,
	.resume		= ats_errtest_resume,
	.reset_prepare	= ats_errtest_reset_prepare,
	.reset_done	= ats_errtest_reset_done,
};

static int ats_errtest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret = pci_enable_device(pdev);

	if (ret)
		return ret;
	pci_set_master(pdev);
	record(pdev, "probe");
	return 0;
}

static void ats_errtest_remove(struct pci_dev *pdev)
{
	record(pdev, "remove");
	pci_disable_device(pdev);
}

static struct pci_driver ats_errtest_driver = {
	.name		= "ats_errtest",
	.probe		= ats_errtest_probe,
	.remove		= ats_errtest_remove,
	.err_handler	= &ats_errtest_err_handler,
};

static int events_show(struct seq_file *m, void *v)
{
	mutex_lock(&events_lock);
	seq_write(m, events, events_len);
	mutex_unlock(&events_lock);
	return 0;
}

static int events_open(struct inode *inode, struct file *file)
{
	return single_open(file, events_show, NULL);
}

static ssize_t events_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	mutex_lock(&events_lock);
	events_len = 0;
	mutex_unlock(&events_lock);
	return count;
}

static const struct file_operations events_fops = {
	.owner		= THIS_MODULE,
	.open		= events_open,
	.read		= seq_read,
	.write		= events_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

static int __init ats_errtest_init(void)
{
	dir = debugfs_create_dir("ats_errtest", NULL);
	debugfs_create_file("events", 0600, dir, NULL, &events_fops);
	return pci_register_driver(&ats_errtest_driver);
}

static void __exit ats_errtest_exit(void)
{
	pci_unregister_driver(&ats_errtest_driver);
	debugfs_remove(dir);
}

module_init(ats_errtest_init);
module_exit(ats_errtest_exit);
MODULE_DESCRIPTION("PCI driver with every error handler, for ATS recovery tests");
MODULE_LICENSE("GPL");
