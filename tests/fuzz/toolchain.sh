#!/bin/sh
# The libFuzzer toolchain `make fuzz` needs: a clang ($1, default clang)
# that links -fsanitize=fuzzer,address,undefined. Debian ships it as the
# packages clang and libclang-rt-dev (the fuzzer and sanitizer runtimes);
# when the probe fails and we are root with apt-get, they are installed.
set -e
cc=${1:-clang}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

probe() {
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n > 1 ? 0 : 0; }' \
		> "$dir/probe.c"
	"$cc" -fsanitize=fuzzer,address,undefined -o "$dir/probe" "$dir/probe.c" >/dev/null 2>&1
}

probe && exit 0
case $(basename "$cc") in
clang*)	;;
*)	echo "fuzz: $cc cannot build libFuzzer targets (FUZZ_CC must be a clang)" >&2
	exit 1 ;;
esac
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "fuzz: $cc cannot build libFuzzer targets: installing clang and libclang-rt-dev"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-dev >/dev/null
	probe && exit 0
fi
echo "fuzz: $cc cannot build libFuzzer targets; install clang and libclang-rt-dev" >&2
exit 1
