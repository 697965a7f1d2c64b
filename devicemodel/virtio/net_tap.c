// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the tap backend of virtio-net (net_tap.h).  IFF_VNET_HDR
 * makes the kernel put a struct virtio_net_hdr in front of each frame
 * read and expect one on each frame written; TUNSETVNETHDRSZ makes it
 * the 12 bytes of virtio 1.x (with num_buffers), the header the guest
 * itself uses.  IFF_NO_PI drops the tun packet-information word.  No
 * offloads are set (TUNSETOFFLOAD), so frames read are whole and
 * checksummed, and the kernel accepts no GSO frame from us.
 *
 * A descriptor can also be handed over open (fd=N), as a privileged
 * launcher would pass a tap it set up: a tap is then checked for the
 * flags above, and a datagram socket is taken as a link whose messages
 * are frames with the same header (a user-space switch, the unit tests).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net_tap.h"

int net_tap_open(const char *name, struct dm_error *err)
{
	struct ifreq ifr = { 0 };
	int hdr = NET_TAP_HDR_SIZE;
	int fd;

	if (!name[0] || strlen(name) >= sizeof(ifr.ifr_name))
		return dm_fail(err, "virtio-net: bad tap name '%s' (1 to %zu "
			       "characters)", name, sizeof(ifr.ifr_name) - 1);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return dm_fail(err, "virtio-net: cannot open /dev/net/tun: "
			       "%s (is the tun module loaded?)",
			       strerror(errno));
	strcpy(ifr.ifr_name, name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		if (errno == EPERM)
			dm_fail(err, "virtio-net: tap %s: not allowed: "
				"creating a tap, or using one of another "
				"user, needs CAP_NET_ADMIN", name);
		else if (errno == EBUSY)
			dm_fail(err, "virtio-net: tap %s is in use by another "
				"program", name);
		else if (errno == EINVAL)
			dm_fail(err, "virtio-net: %s exists and is not a "
				"single-queue tap", name);
		else
			dm_fail(err, "virtio-net: tap %s: %s", name,
				strerror(errno));
		goto err;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr)) {
		dm_fail(err, "virtio-net: tap %s: cannot set the header "
			"size: %s", name, strerror(errno));
		goto err;
	}
	return fd;

err:
	close(fd);
	return -1;
}

int net_tap_adopt(int fd, struct dm_error *err)
{
	struct ifreq ifr = { 0 };
	int hdr = NET_TAP_HDR_SIZE, type = 0, flags;
	socklen_t len = sizeof(type);

	flags = fcntl(fd, F_GETFL);
	if (fd < 0 || flags < 0)
		return dm_fail(err, "virtio-net: fd=%d is not open", fd);
	if (!ioctl(fd, TUNGETIFF, &ifr)) {
		if ((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) !=
		    (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
			return dm_fail(err, "virtio-net: fd=%d: tap %s needs "
				       "IFF_TAP, IFF_NO_PI and IFF_VNET_HDR",
				       fd, ifr.ifr_name);
		if (ioctl(fd, TUNSETVNETHDRSZ, &hdr))
			return dm_fail(err, "virtio-net: fd=%d: cannot set "
				       "the header size: %s", fd,
				       strerror(errno));
	} else if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) ||
		   (type != SOCK_DGRAM && type != SOCK_SEQPACKET)) {
		return dm_fail(err, "virtio-net: fd=%d is neither a tap nor a "
			       "datagram socket", fd);
	}
	/* Ours now: not inherited by what islet-dm may start, and never
	 * blocking the thread that reads or writes it. */
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC))
		return dm_fail(err, "virtio-net: fd=%d: %s", fd,
			       strerror(errno));
	return fd;
}
