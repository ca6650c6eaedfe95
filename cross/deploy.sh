#!/usr/bin/env bash
# Copies the `octet` binary and the benchmark params to a board over ssh and
# runs `octet bench` there.
#   cross/deploy.sh user@board [armv7|aarch64] [-- extra bench flags]
# e.g. cross/deploy.sh root@192.168.1.10 armv7 -- --threads 2 --both
# Needs ssh/scp access; the board needs nothing installed (static Rust binary + glibc).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 user@board [armv7|aarch64] [-- bench flags]" >&2; exit 2; }
host=$1; shift
arch=armv7
if [ $# -gt 0 ] && [ "$1" != "--" ]; then arch=$1; shift; fi
[ "${1:-}" = "--" ] && shift
. cross/env.sh
triple=$(triple_for "$arch")
bash cross/build.sh "$arch"
dir=/tmp/octet
ssh "$host" "mkdir -p $dir/models"
scp -q "target/$triple/release/octet" "$host:$dir/"
scp -q models/*.param "$host:$dir/models/"
ssh "$host" "cd $dir && ./octet bench --all models $*"
