// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-owner BDF: a minimal VMM for the scenarios. It owns the PCI function
 * BDF through VFIO's device cdev and iommufd, as a VMM does: binds it, attaches
 * it to an IOAS with one 64 KiB buffer mapped at IOVA 1 MiB, and listens on
 * the function's error eventfd (VFIO_PCI_ERR_IRQ_INDEX). Then it reads
 * commands from stdin, one per line, and answers each with one line on
 * stdout ("ok CMD ..." or "err CMD errno-text"):
 *
 *   map            map the buffer again (after an unmap)
 *   unmap          unmap it: the IOMMU invalidates the function's ATC
 *   wait-error S   wait up to S seconds for the error eventfd
 *   reset          VFIO_DEVICE_RESET (the function's reset, by its owner)
 *   exit           close everything and exit
 *
 * Only what the scenarios use: no BARs, no interrupts but the error one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define BUF_SIZE (64 * 1024)
#define BUF_IOVA (1024 * 1024)

static int iommufd, devfd, errfd;
static uint32_t ioas_id;
static void *buf;

static void die(const char *what)
{
	printf("fatal %s: %s\n", what, strerror(errno));
	exit(1);
}

/* /sys/bus/pci/devices/BDF/vfio-dev/vfioN -> /dev/vfio/devices/vfioN */
static int open_vfio_cdev(const char *bdf)
{
	char path[320];
	struct dirent *d;
	DIR *dir;
	int fd = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		die("no vfio-dev in sysfs (is vfio-pci bound?)");
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", d->d_name);
		fd = open(path, O_RDWR);
		break;
	}
	closedir(dir);
	if (fd < 0)
		die("open /dev/vfio/devices/vfioN");
	return fd;
}

static int do_map(void)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = BUF_SIZE,
		.iova = BUF_IOVA,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &map);
}

static int do_unmap(void)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas_id,
		.iova = BUF_IOVA,
		.length = BUF_SIZE,
	};

	return ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

static int do_wait_error(int seconds)
{
	struct pollfd p = { .fd = errfd, .events = POLLIN };
	uint64_t n;
	int ret;

	ret = poll(&p, 1, seconds * 1000);
	if (ret < 0)
		return -1;
	if (ret == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (read(errfd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return 0;
}

static void setup(const char *bdf)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char irqbuf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *irq = (struct vfio_irq_set *)irqbuf;
	int32_t efd;

	devfd = open_vfio_cdev(bdf);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("open /dev/iommu");
	bind.iommufd = iommufd;
	if (ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("VFIO_DEVICE_BIND_IOMMUFD");
	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		die("IOMMU_IOAS_ALLOC");
	ioas_id = alloc.out_ioas_id;
	attach.pt_id = ioas_id;
	if (ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	errfd = eventfd(0, EFD_CLOEXEC);
	if (errfd < 0)
		die("eventfd");
	memset(irqbuf, 0, sizeof(irqbuf));
	irq->argsz = sizeof(irqbuf);
	irq->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq->index = VFIO_PCI_ERR_IRQ_INDEX;
	irq->start = 0;
	irq->count = 1;
	efd = errfd;
	memcpy(irq->data, &efd, sizeof(efd));
	if (ioctl(devfd, VFIO_DEVICE_SET_IRQS, irq))
		die("VFIO_DEVICE_SET_IRQS (error eventfd)");

	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	memset(buf, 0x5a, BUF_SIZE);
	if (do_map())
		die("IOMMU_IOAS_MAP");
}

int main(int argc, char **argv)
{
	char line[128];

	if (argc != 2) {
		fprintf(stderr, "usage: vfio-owner BDF (commands on stdin)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup(argv[1]);
	printf("ok ready ioas %u\n", ioas_id);

	while (fgets(line, sizeof(line), stdin)) {
		int seconds, ret;

		line[strcspn(line, "\n")] = 0;
		if (!strcmp(line, "exit")) {
			printf("ok exit\n");
			break;
		}
		if (!strcmp(line, "map")) {
			ret = do_map();
		} else if (!strcmp(line, "unmap")) {
			ret = do_unmap();
		} else if (sscanf(line, "wait-error %d", &seconds) == 1) {
			ret = do_wait_error(seconds);
		} else if (!strcmp(line, "reset")) {
			ret = ioctl(devfd, VFIO_DEVICE_RESET);
		} else {
			errno = EINVAL;
			ret = -1;
		}
		if (ret)
			printf("err %s %s\n", line, strerror(errno));
		else
			printf("ok %s\n", line);
	}
	close(errfd);
	close(devfd);
	close(iommufd);
	return 0;
}
