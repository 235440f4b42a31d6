#!/usr/bin/env bash
# Submits an `aen sweep` as a Slurm job array of PARTS tasks, then the merge as a job
# that runs only once every task succeeded. Prints the two job ids.
#
#   examples/slurm/submit.sh [-n PARTS] [-c CPUS] [-w] DIR [aen sweep flags...]
#
#   -n PARTS  array tasks, one shard each (default 4)
#   -c CPUS   cores per task, passed to `aen sweep --jobs` (default 1)
#   -w        wait for the merge to finish; exit with its status
#
# Example: the full MNIST preset-2 table with 2 seeds in 64 parts of 4 cores:
#   AEN=$PWD/target/release/aen examples/slurm/submit.sh -n 64 -c 4 sweep-p2 \
#       --source embedded --data-groups preset:2 --seeds 2
# The result is DIR/sweep.csv; each task logs to DIR/slurm-<job>_<task>.out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parts=4 cpus=1 wait=()
while getopts "n:c:w" opt; do
    case $opt in
        n) parts=$OPTARG ;;
        c) cpus=$OPTARG ;;
        w) wait=(--wait) ;;
        *) sed -n '2,16p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
dir=${1:?usage: submit.sh [-n PARTS] [-c CPUS] [-w] DIR [aen sweep flags...]}
shift
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
aen=${AEN:-aen}
if ! command -v "$aen" >/dev/null 2>&1; then
    echo "submit.sh: aen binary \`$aen\` not found; set AEN=/path/to/aen" >&2
    exit 1
fi
# Tasks run elsewhere: give them an absolute path.
export AEN=$(command -v "$aen")

array=$(sbatch --parsable --array=0-$((parts - 1)) --cpus-per-task="$cpus" \
    --output="$dir/slurm-%A_%a.out" "$here/sweep.sbatch" "$dir" "$@")
array=${array%%;*}
echo "array job $array: $parts parts into $dir/part-*.csv"
# If a task fails the dependency can never be met; the merge is then cancelled rather
# than left pending forever.
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
    --output="$dir/slurm-merge-%j.out" "${wait[@]}" \
    "$here/sweep.sbatch" --merge "$parts" "$dir") || true
merge=${merge%%;*}
[ -n "$merge" ] || { echo "submit.sh: submitting the merge failed" >&2; exit 1; }
echo "merge job $merge: $dir/sweep.csv once all parts succeed"
[ ${#wait[@]} -eq 0 ] && exit 0

# sbatch --wait reports success for a merge cancelled because a task failed, so ask
# Slurm how the merge ended.
state=$(scontrol show job -o "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
if [ "$state" = COMPLETED ] || { [ -z "$state" ] && [ -f "$dir/sweep.csv" ]; }; then
    echo "done: $dir/sweep.csv"
    exit 0
fi
echo "submit.sh: the merge ended ${state:-in an unknown state}; errors in the task logs:" >&2
grep -H '^error' "$dir"/slurm-*.out >&2 || true
exit 1
