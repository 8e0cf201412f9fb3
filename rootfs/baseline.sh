#!/usr/bin/env bash
# Boot-to-prompt baseline for docs/PERFORMANCE.md: Debian's kernel with a
# busybox-static initramfs (/init = a busybox shell script that mounts proc,
# sys and dev and starts a shell on the console), booted exactly as the cmeos
# image is (same QEMU machine, CPU, memory, kernel command line).
# Usage: rootfs/baseline.sh arm64|arm  (downloads busybox-static for the
# architecture with apt-get download into a temporary directory).
set -euo pipefail
arch=${1:-arm64}
case $arch in
  arm64) deb=arm64 qemu=qemu-system-aarch64 cpu=cortex-a53 ;;
  arm)   deb=armhf qemu=qemu-system-arm cpu=cortex-a15 ;;
  *) echo "usage: $0 arm64|arm" >&2; exit 2 ;;
esac
kc=${CMEOS_KERNELS:-/var/cache/cmeos-kernels}/$deb
kernel=$(ls "$kc"/boot/vmlinuz-* | tail -1)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(cd "$tmp" && apt-get download -q "busybox-static:$deb" >/dev/null 2>&1)
dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
root=$tmp/root
mkdir -p "$root"/{bin,dev,proc,sys}
cp "$tmp/x/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cat > "$root/init" <<'EOS'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
echo BASELINE-READY
exec /bin/busybox sh
EOS
chmod 755 "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$tmp/initrd.gz"
# (No /dev/console node: the kernel prints "Warning: unable to open an
# initial console" and init's output goes nowhere until devtmpfs is mounted,
# so the script writes to /dev/console explicitly after mounting it.)
sed -i 's#^echo BASELINE-READY#echo BASELINE-READY > /dev/console#; s#^exec /bin/busybox sh#exec /bin/busybox sh < /dev/console > /dev/console 2>\&1#' "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$tmp/initrd.gz"
start=$(date +%s.%N)
"$qemu" -M virt -cpu "$cpu" -m 256 -smp 1 -kernel "$kernel" -initrd "$tmp/initrd.gz" \
  -append "console=ttyAMA0,115200 panic=-1 quiet" -display none -no-user-config -nodefaults -nic none \
  -serial "file:$tmp/console" -monitor none -no-reboot &
pid=$!
for _ in $(seq 1 600); do
  if grep -q BASELINE-READY "$tmp/console" 2>/dev/null; then
    end=$(date +%s.%N)
    echo "busybox baseline $arch: boot to shell $(echo "$end - $start" | bc) s, initramfs $(stat -c %s "$tmp/initrd.gz") bytes"
    break
  fi
  sleep 0.01
done
kill "$pid"; wait "$pid" 2>/dev/null || true
