#!/usr/bin/env bash
# Builds aen with --features cuda on a machine with no GPU and no CUDA toolkit, from
# PyPI's CUDA 13.0 wheels (the lent H100 runs driver 580 = CUDA 13.0, so the PTX that
# nvcc writes must not be newer). Everything goes into .cuda/ (git-ignored).
#
#   bash gpu/build-cuda.sh        # -> target/cuda/release/aen, target/cuda/release/examples/gpu_check
set -euo pipefail
cd "$(dirname "$0")/.."
V=13.0.88
RT=13.0.96
CUDA=$PWD/.cuda
mkdir -p "$CUDA/wheels" "$CUDA/lib64"
for pkg in nvidia-cuda-nvcc==$V nvidia-nvvm==$V nvidia-cuda-crt==$V nvidia-cuda-runtime==$RT nvidia-cuda-nvrtc==$V nvidia-cuda-cccl==13.0.85; do
    name=${pkg%%==*}
    ls "$CUDA/wheels/${name//-/_}"-* >/dev/null 2>&1 ||
        python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
            --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
            -d "$CUDA/wheels" "$pkg"
done
for w in "$CUDA"/wheels/*.whl; do
    (cd "$CUDA" && python3 -m zipfile -e "$w" unpacked)
done
ROOT=$CUDA/unpacked/nvidia/cu13
chmod +x "$ROOT"/bin/* "$ROOT"/nvvm/bin/* 2>/dev/null || true

# dfdx's build script asks nvidia-smi for the compute capability: the H100 is sm_90.
cat > "$ROOT/bin/nvidia-smi" <<'SMI'
#!/bin/sh
printf 'compute_cap\n9.0\n'
SMI
chmod +x "$ROOT/bin/nvidia-smi"

# Link-time libraries: the real ones' sonames; libcuda comes with the driver, so a stub
# that defines every driver symbol cudarc names stands in for it here.
# cuBLAS is large: any CUDA 13 copy will do for linking (a PyTorch install has one).
CUBLAS=$(python3 -c "import nvidia, os; print(os.path.join(nvidia.__path__[0], 'cu13', 'lib'))" 2>/dev/null || true)
if [ ! -e "$CUBLAS/libcublas.so.13" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
        -d "$CUDA/wheels" nvidia-cublas
    (cd "$CUDA" && python3 -m zipfile -e "$(ls "$CUDA"/wheels/nvidia_cublas-*.whl | head -n 1)" unpacked)
    CUBLAS=$ROOT/lib
fi
ln -sf "$(ls "$ROOT"/lib/libnvrtc.so.* | head -n 1)" "$CUDA/lib64/libnvrtc.so"
for l in cublas cublasLt; do
    ln -sf "$CUBLAS/lib$l.so.13" "$CUDA/lib64/lib$l.so"
done
SYS=$(find ~/.cargo/registry/src -path '*cudarc-0.9*/src/driver/sys/sys_*.rs' -o -path '*cudarc-0.9*/src/driver/sys.rs' | head -n 1)
if [ -z "$SYS" ]; then SYS=$(grep -rl 'pub fn cuInit' ~/.cargo/registry/src/*/cudarc-0.9*/src/driver | head -n 1); fi
grep -o 'pub fn cu[A-Za-z0-9_]*' "$SYS" | sort -u | sed 's/pub fn \(.*\)/void \1(void) {}/' > "$CUDA/cuda_stub.c"
gcc -shared -fPIC -o "$CUDA/lib64/libcuda.so" -Wl,-soname,libcuda.so.1 "$CUDA/cuda_stub.c"

export CUDA_ROOT=$ROOT PATH=$ROOT/bin:$PATH CUDA_COMPUTE_CAP=90
export RUSTFLAGS="-L native=$CUDA/lib64"
cargo build --release --features cuda --target-dir target/cuda --bin aen --example gpu_check
ls -la target/cuda/release/aen target/cuda/release/examples/gpu_check
