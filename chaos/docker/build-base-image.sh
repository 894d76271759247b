#!/usr/bin/env bash
# Builds the docker backend's base image without any image registry: a Debian bookworm root filesystem
# made by debootstrap with a JRE 17, iptables and iproute2, loaded with `docker import`.
#
#   chaos/docker/build-base-image.sh [IMAGE]      (default raftkv-chaos-base:bookworm-jre17)
#
# Idempotent and cached twice: nothing is done when the image exists, and the root filesystem tarball
# is kept under $RAFTKV_CACHE_DIR (default ~/.cache/raftkv), so a fresh Docker engine imports it in
# seconds instead of running debootstrap again (~40 s and ~60 MB of downloads). Needs root, docker and
# debootstrap (apt-get install docker.io iptables debootstrap).
set -euo pipefail

IMAGE=${1:-raftkv-chaos-base:bookworm-jre17}
CACHE=${RAFTKV_CACHE_DIR:-$HOME/.cache/raftkv}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
PACKAGES=openjdk-17-jre-headless,iptables,iproute2,procps

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: present"
  exit 0
fi

TARBALL="$CACHE/rootfs-${SUITE}-$(echo "$PACKAGES" | md5sum | cut -c1-8).tar"
if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 2; }
  ROOTFS=$(mktemp -d /tmp/raftkv-rootfs.XXXXXX)
  trap 'rm -rf "$ROOTFS"' EXIT
  echo "base image $IMAGE: debootstrap $SUITE with $PACKAGES from $MIRROR"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 || {
    tail -30 "$ROOTFS.log" >&2
    echo "debootstrap failed; full log in $ROOTFS.log" >&2
    exit 1
  }
  rm -f "$ROOTFS.log"
  # Package caches are dead weight in every node container.
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc "$ROOTFS"/usr/share/man
  mkdir -p "$CACHE"
  tar -C "$ROOTFS" --numeric-owner -cf "$TARBALL.partial" .
  mv "$TARBALL.partial" "$TARBALL"
fi

echo "base image $IMAGE: importing $TARBALL"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  "$TARBALL" "$IMAGE" >/dev/null
# Not `| head -1`: under pipefail, java's SIGPIPE when head exits would fail the script.
if ! version=$(docker run --rm "$IMAGE" java -version 2>&1); then
  echo "base image $IMAGE: imported, but java does not run in it:" >&2
  echo "$version" >&2
  exit 1
fi
echo "${version%%$'\n'*}"
echo "base image $IMAGE: ready"
