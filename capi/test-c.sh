#!/usr/bin/env bash
# Builds liboctet.a and the C programs against it, for the host (default) or
# a board target, and runs them:
#   - capi/tests/c/api_test.c calls every function with null/invalid
#     arguments (error codes, no crash) — under valgrind on the host;
#   - examples/c/classify.c must print the same top-5 as `octet run`.
#   capi/test-c.sh [armv7|aarch64]     (targets need cross/setup-debian.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
arch="${1:-host}"
out=target/capi-test/$arch
mkdir -p "$out"
if [ "$arch" = host ]; then
    cargo build -q --release -p octet-capi -p octet-tools
    lib=target/release/liboctet.a
    CC=${CC:-cc}
    run=()
    if command -v valgrind >/dev/null; then
        run_api=(valgrind --quiet --error-exitcode=9 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite)
    else
        echo "(valgrind not installed: the API test runs without it)"
        run_api=()
    fi
else
    . cross/env.sh
    triple=$(triple_for "$arch")
    "$CARGO" build -q --release --target "$triple" -p octet-capi 2>/dev/null
    cargo build -q --release -p octet-tools
    lib=target/$triple/release/liboctet.a
    case "$triple" in
        armv7-*) CC=arm-linux-gnueabihf-gcc ;;
        aarch64-*) CC=aarch64-linux-gnu-gcc ;;
    esac
    read -r -a run <<< "$(qemu_for "$triple")"
    run_api=("${run[@]}")
fi
octet=target/release/octet
echo "== C API ($arch): $(ls -l "$lib" | awk '{print $5}') bytes $lib"
for prog in capi/tests/c/api_test.c examples/c/classify.c; do
    name=$(basename "$prog" .c)
    "$CC" -O2 -Wall -Werror -Icapi/include "$prog" "$lib" -lpthread -ldl -lm -o "$out/$name"
done

# A model with deterministic weights, and an input.
"$octet" synth-bin --param models/squeezenet.param --out "$out/squeezenet.bin" --seed 11 2>/dev/null
python_free_input() { # a float32 .npy (3, 227, 227) from the synthetic input of `octet run`
    "$octet" run --param models/squeezenet.param --bin "$out/squeezenet.bin" --output "data=$out/x.npy" >/dev/null
}
python_free_input

"${run_api[@]}" "$out/api_test" models/squeezenet.param "$out/squeezenet.bin"
"${run[@]}" "$out/classify" models/squeezenet.param "$out/squeezenet.bin" "$out/x.npy" > "$out/c_top5.txt"
"$octet" run --param models/squeezenet.param --bin "$out/squeezenet.bin" --input "data=$out/x.npy" --output output --top 5 > "$out/rust_top5.txt"
if ! diff "$out/c_top5.txt" "$out/rust_top5.txt"; then
    echo "the C example ($arch) and octet run disagree" >&2
    exit 1
fi
echo "C example ($arch) prints the same top-5 as octet run:"
cat "$out/c_top5.txt"
