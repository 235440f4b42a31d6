#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for tests/slurm.rs: installs
# Debian's packages if missing, writes the config, starts munged, slurmctld and slurmd
# unless they already run, and waits until the node takes jobs. Safe to run again.
# Needs root and no systemd (as on CI); see /work/shared/SLURM.md for the recipe.
set -euo pipefail

if ! command -v sbatch >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 \
    || ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurmd slurmctld slurm-client munge >/dev/null
fi

host=$(hostname)
cpus=$(nproc)
# Leave the system some memory; Slurm refuses a node that claims more than it has.
mem=$(( $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) * 9 / 10 ))
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
conf=$(cat <<CONF
ClusterName=local
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmUser=root
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
)
changed=0
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$conf" ]; then
    printf '%s\n' "$conf" > /etc/slurm/slurm.conf
    changed=1
fi

# munged refuses to start unless its directories belong to munge.
chown -R munge:munge /etc/munge /var/log/munge /var/lib/munge /run/munge
running() { pgrep -x "$1" >/dev/null 2>&1; }
running munged || su -s /bin/sh munge -c munged
if [ "$changed" = 1 ] && running slurmctld; then
    scontrol reconfigure || true
fi
running slurmctld || slurmctld
running slurmd || slurmd

# Wait for the node to be idle (or busy with jobs: mixed/allocated).
for _ in $(seq 1 60); do
    state=$(sinfo -h -N -n "$host" -o '%t' 2>/dev/null | head -n1 || true)
    case "$state" in
        idle|mix|alloc|comp) echo "slurm: $host is $state"; exit 0 ;;
        down*|drain*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 1
done
echo "slurm: $host did not come up (state: ${state:-none}); see /var/log/slurm/" >&2
exit 1
