#!/usr/bin/env bash
# The GPU check, run on a machine with an NVIDIA GPU from the repository root, with the
# binaries of gpu/build-cuda.sh (target/cuda/release/) and of `cargo build --release`
# (target/release/aen, for the CPU figures on the same host). Writes check.log (and a
# small search's outputs) into $OUT, default /tmp/aen-gpu.
set -u
OUT=${OUT:-/tmp/aen-gpu}
mkdir -p "$OUT"
exec > >(tee "$OUT/check.log") 2>&1

echo "== environment"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
# CUDA 13 cuBLAS / NVRTC: from the host's PyTorch install, or wherever they are.
LIBS=$(python3 - <<'PY' 2>/dev/null
import os, nvidia
dirs = [os.path.join(p, sub, 'lib') for p in nvidia.__path__ for sub in ('cu13', 'cublas', 'cuda_nvrtc')]
print(':'.join(d for d in dirs if os.path.isdir(d)))
PY
)
for lib in libcublas.so.13 libnvrtc.so.13; do
    d=$(dirname "$(find / -name "$lib" -not -path '*/proc/*' 2>/dev/null | head -n 1)" 2>/dev/null)
    [ -n "$d" ] && LIBS="$LIBS:$d"
done
export LD_LIBRARY_PATH="$LIBS:${LD_LIBRARY_PATH:-}"
ldd target/cuda/release/aen | grep -E 'cuda|nvrtc|cublas'
echo "cores: $(nproc)"

echo; echo "== CPU vs CUDA forward agreement, CUDA training throughput (4 epochs x 4,000 images, batch 64)"
timeout 300 target/cuda/release/examples/gpu_check
echo "gpu_check exit: $?"

echo; echo "== aen train on CUDA and on this host's CPU (2 and $(nproc) threads), plain MNIST, search protocol"
for net in none rot90 preset:2; do
    for run in cuda cpu2 cpuall; do
        case $run in
            cuda) cmd=(target/cuda/release/aen) ;;
            cpu2) cmd=(env RAYON_NUM_THREADS=2 target/release/aen) ;;
            cpuall) cmd=(target/release/aen) ;;
        esac
        printf '%-8s %-7s ' "$net" "$run"
        timeout 120 "${cmd[@]}" train --source embedded --data-groups none --net-groups "$net" --json |
            python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"{d['images_per_second']:9.0f} images/s  val {d['val_acc']:.2f}%  test {d['test_acc']:.2f}%  {d['device']}\")"
    done
done

export XDG_DATA_HOME=$OUT/home
echo; echo "== a full 1,000-model search on CUDA, paper protocol, preset 2, 32 children a pass (goal: under 60 s)"
/usr/bin/time -v timeout 300 target/cuda/release/aen search --source embedded --data-groups preset:2 --per-pass 32 \
    --out "$OUT/search" --snapshot "$OUT/search.json" 2>&1 | grep -E 'finished|searching|models/min|wrote|Elapsed|Maximum resident'

echo; echo "== a sweep of all 4,096 group sets on CUDA, 128 children a pass"
/usr/bin/time -v timeout 300 target/cuda/release/aen sweep --source embedded --data-groups preset:2 --per-pass 128 \
    --out "$OUT/sweep.csv" 2>&1 | grep -E 'sweep of|rows in|interrupted|Elapsed|Maximum resident'
echo "rows: $(($(wc -l < "$OUT/sweep.csv") - 2))"
