#!/usr/bin/env bash
# Submits the three stages, each waiting for the previous one to succeed:
#   search.sbatch -> shards.sbatch (the array: afterok waits for all its tasks) -> merge.sbatch
# Usage: deploy/slurm/submit.sh [SBATCH OPTIONS...]   (e.g. --partition=cpu --account=me;
# applied to all three jobs). The jobs' logs go to the folder this is run from.
# A stage that fails cancels the stages waiting on it (--kill-on-invalid-dep=yes).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# --parsable prints "JOBID" or "JOBID;CLUSTER"
search=$(sbatch --parsable "$@" "$here/search.sbatch")
search=${search%%;*}
shards=$(sbatch --parsable --dependency="afterok:$search" --kill-on-invalid-dep=yes "$@" "$here/shards.sbatch")
shards=${shards%%;*}
merge=$(sbatch --parsable --dependency="afterok:$shards" --kill-on-invalid-dep=yes "$@" "$here/merge.sbatch")
merge=${merge%%;*}

echo "search: $search  shards: $shards (array 0-2)  merge: $merge"
echo "result when $merge completes: /shared/run (squeue -u \"\$USER\" to follow)"
