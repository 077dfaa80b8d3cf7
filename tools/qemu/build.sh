#!/usr/bin/env bash
# Fetch and build the third-party pieces `make qemu-check` needs (issue 13):
# QEMU (aarch64-softmmu only) and a Linux 6.1 arm64 kernel, both from Debian's
# source packages. Results are cached outside the repo, keyed by the source
# version and a hash of our patches/config, so only the first build pays.
#   tools/qemu/build.sh deps|qemu|kernel|all
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sva-smmuv3
nice_run() { nice -n 15 "$@"; }
mkdir -p "$cache"

deps() {
	if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
		# Mirror the existing Debian entries as source entries.
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			>/etc/apt/sources.list.d/sva-deb-src.sources
	fi
	apt-get update -qq
	apt-get install -y -qq dpkg-dev meson ninja-build pkg-config python3-venv \
		libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev flex bison bc \
		gcc-aarch64-linux-gnu libssl-dev libelf-dev cpio xz-utils >/dev/null
}

# fetch PKG DIR: unpack Debian's source package PKG under DIR (once).
fetch() {
	local pkg=$1 dir=$2
	[ -e "$dir/.fetched" ] && return 0
	mkdir -p "$dir"
	(cd "$dir" && apt-get source -qq "$pkg" >/dev/null)
	touch "$dir/.fetched"
}

key() { cat "$@" 2>/dev/null | sha256sum | cut -c1-12; }

qemu() {
	local ver src out
	ver=$(apt-cache showsrc qemu | awk '/^Version:/{print $2; exit}')
	out=$cache/qemu-$ver-$(key "$here"/qemu-*.patch)
	[ -x "$out/qemu-system-aarch64" ] && { echo "$out/qemu-system-aarch64"; return; }
	fetch qemu "$cache/src/qemu-$ver"
	src=$(find "$cache/src/qemu-$ver" -maxdepth 1 -mindepth 1 -type d | head -1)
	mkdir -p "$out/build"
	local t0=$SECONDS
	(cd "$out/build" && nice_run "$src/configure" --target-list=aarch64-softmmu \
		--disable-docs --disable-werror --disable-user --disable-tools \
		--disable-gtk --disable-sdl --disable-vnc --disable-opengl >/dev/null &&
	 nice_run ninja qemu-system-aarch64)
	cp "$out/build/qemu-system-aarch64" "$out/"
	echo "qemu: built in $((SECONDS - t0)) s wall" >&2
	echo "$out/qemu-system-aarch64"
}

kernel() {
	local ver src out
	ver=$(apt-cache showsrc linux | awk '/^Version:/{print $2; exit}')
	out=$cache/linux-$ver-$(key "$here"/kernel.config)
	[ -e "$out/Image" ] && { echo "$out/Image"; return; }
	fetch linux "$cache/src/linux-$ver"
	src=$(find "$cache/src/linux-$ver" -maxdepth 1 -mindepth 1 -type d | head -1)
	mkdir -p "$out/build"
	local mk=(make -C "$src" O="$out/build" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j2)
	local t0=$SECONDS
	nice_run "${mk[@]}" tinyconfig >/dev/null
	(cd "$out/build" && "$src/scripts/kconfig/merge_config.sh" -m .config \
		"$here/kernel.config" >/dev/null)
	nice_run "${mk[@]}" olddefconfig >/dev/null
	nice_run "${mk[@]}" Image modules_prepare >/dev/null
	cp "$out/build/arch/arm64/boot/Image" "$out/"
	echo "kernel: built in $((SECONDS - t0)) s wall" >&2
	echo "$out/Image"
}

case ${1:-all} in
deps) deps ;;
qemu) qemu ;;
kernel) kernel ;;
all) deps; qemu; kernel ;;
*) echo "usage: $0 deps|qemu|kernel|all" >&2; exit 2 ;;
esac
