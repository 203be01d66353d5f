#!/usr/bin/env bash
# Peak memory (RSS) of `predict` on hostile inputs: each must fail with a typed error, quickly,
# and stay far under 600 MB. Prints one line per case: case, exit code, peak RSS, first error line.
# Usage (from the repository root): crates/io/tools/hostile_rss.sh [WORKDIR]
set -u
root=$(pwd)
fx=$root/crates/io/tests/fixtures
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cargo build --release --example predict -q || exit 1
predict=$root/target/release/examples/predict

python3 - "$work" "$fx" <<'EOF'
import sys, zipfile, os, struct
work, fx = sys.argv[1], sys.argv[2]
# A .keras whose weights member deflates 1 GiB of zeros into ~1 MB.
src = zipfile.ZipFile(f"{fx}/seq_rnn.keras")
with zipfile.ZipFile(f"{work}/bomb.keras", "w", zipfile.ZIP_DEFLATED) as z:
    for n in src.namelist():
        if n == "model.weights.h5":
            with z.open(n, "w", force_zip64=True) as w:
                block = bytes(1 << 20)
                for _ in range(1024):
                    w.write(block)
        else:
            z.writestr(n, src.read(n))
# An .npy header claiming 10^15 float32 values over 16 bytes of data.
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000, 1), }"
hdr += " " * (63 - (len(hdr) + 10) % 64) + "\n"
with open(f"{work}/huge.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + bytes(16))
# An .h5 model cut to 10 %.
b = open(f"{fx}/seq_rnn.tf2.h5", "rb").read()
open(f"{work}/cut.h5", "wb").write(b[: len(b) // 10])
EOF
ln -sf /dev/zero "$work/zero.keras"
ln -sf /dev/zero "$work/zero.h5"
ln -sf /dev/zero "$work/zero.npy"
x=$fx/seq_rnn.x0.npy

run() {
    local name=$1
    shift
    /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.err"
    local rc=$?
    local rss
    rss=$(grep 'Maximum resident' "$work/$name.err" | awk '{print $NF}')
    local msg
    msg=$(grep -m1 '^predict:' "$work/$name.err" | cut -c1-150)
    printf '%-22s exit %-3s peak %6d MB  %s\n' "$name" "$rc" $((rss / 1024)) "$msg"
}
run keras_zip_bomb "$predict" "$work/bomb.keras" "$x" "$work/o.npy"
run keras_dev_zero "$predict" "$work/zero.keras" "$x" "$work/o.npy"
run h5_dev_zero "$predict" "$work/zero.h5" "$x" "$work/o.npy"
run h5_truncated "$predict" "$work/cut.h5" "$x" "$work/o.npy"
run npy_dev_zero "$predict" "$fx/seq_rnn.keras" "$work/zero.npy" "$work/o.npy"
run npy_huge_shape "$predict" "$fx/seq_rnn.keras" "$work/huge.npy" "$work/o.npy"
run save_as_onnx "$predict" "$fx/seq_rnn.keras" "$x" "$work/o.npy" --save-as "$work/m.onnx"
run valid_baseline "$predict" "$fx/seq_rnn.keras" "$x" "$work/o.npy"
