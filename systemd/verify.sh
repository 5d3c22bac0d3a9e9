#!/usr/bin/env bash
# verify.sh — check campaignd's systemd units with `systemd-analyze verify`.
#
#   systemd/verify.sh PATH-TO-CAMPAIGND
#
# systemd-analyze verify fails when an ExecStart= binary does not exist, and
# the units name /usr/local/bin/campaignd. So the units are copied into a
# temporary directory with that path replaced by the binary given as $1 (any
# executable will do for checking the units themselves: `verify.sh /bin/true`),
# and verified there. The templates of several campaigns per host (campaignd@.service and the rest) are
# verified as instances (campaignd@letter.service), so that %i, Service=, Sockets= and the units they
# name are resolved and checked; campaignd-conn@.service is verified by systemd-analyze as an instance
# of itself. Every unit file in this directory must be listed below: a new one cannot go unchecked.
#
# Works without a booted systemd (systemd need not be PID 1, e.g. in a
# container or CI): verify runs a private manager in test mode and needs no bus.
#
# Strictness: systemd-analyze exits 0 on mere warnings such as an unknown key
# (a typo like "CollectMode=" in [Service] is only "ignoring"), so this script
# fails on ANY output too, except lines matching the patterns below, which only
# report that the host lacks a running systemd or a kernel feature (cgroup
# access, BPF firewalling for IPAddressDeny=) and say nothing about the units.
#
# Exit status: 0 all units clean; 1 a unit failed or printed a warning;
# 2 usage error or systemd-analyze missing.
set -euo pipefail

# The unit files, copied together (units name each other).
FILES=(campaignd.socket campaignd-admin.socket campaignd.service
       campaignd-conn.socket campaignd-conn@.service campaign-mailer.service
       campaign-web.socket campaign-web.service
       campaignd-backup.service campaignd-backup.timer
       campaignd@.socket campaignd-admin@.socket campaignd@.service campaign-mailer@.service
       campaign-web@.socket campaign-web@.service campaignd-backup@.service campaignd-backup@.timer)
# What is verified: the plain units, and each template as an instance.
INSTANCE=letter
UNITS=()
for f in "${FILES[@]}"; do
    case $f in
        campaignd-conn@.service) UNITS+=("$f") ;;
        *@.*) UNITS+=("${f/@./@$INSTANCE.}") ;;
        *) UNITS+=("$f") ;;
    esac
done

# Host-environment noise, not unit problems (extended regular expressions).
IGNORE='System has not been booted with systemd|Failed to connect to bus|Failed to (create|open|watch|determine|mount|allocate)[^:]*cgroup|cgroup[^:]*(not|n.t) (available|supported|mounted)|BPF[^:]* (firewall|firewalling)[^:]*not supported|does not support BPF|IP firewall.*not support|Failed to read /proc/self/mountinfo|Running in chroot, ignoring'

usage() { echo "usage: $0 PATH-TO-CAMPAIGND-BINARY   (e.g. $0 /bin/true)" >&2; exit 2; }

[[ $# -eq 1 && -n $1 ]] || usage
case $1 in -h|--help) usage ;; esac
bin=$1
[[ -f $bin && -x $bin ]] || { echo "verify.sh: $bin is not an executable file" >&2; exit 2; }
command -v systemd-analyze >/dev/null || { echo "verify.sh: systemd-analyze not found" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/campaignd-verify.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
# ExecStart= gets a plain symlink path inside $tmp, so a binary path with
# spaces, '%' or '#' cannot upset unit-file syntax.
[[ $tmp =~ ^[A-Za-z0-9/._-]+$ ]] || { echo "verify.sh: temp dir $tmp has unusual characters; set TMPDIR" >&2; exit 2; }
mkdir "$tmp/bin" "$tmp/units"
ln -s -- "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/campaignd"
# The mailer's, the web site's and the backup's (campaignctl) units are checked with the same binary in
# their place: verify reads units, it runs nothing.
ln -s -- "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/campaign-mailer"
ln -s -- "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/campaign-web"
ln -s -- "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/campaignctl"

for u in "${FILES[@]}"; do
    [[ -f $here/$u ]] || { echo "verify.sh: missing $here/$u" >&2; exit 1; }
    sed "s#/usr/local/bin/campaign-mailer#$tmp/bin/campaign-mailer#g; s#/usr/local/bin/campaign-web#$tmp/bin/campaign-web#g; s#/usr/local/bin/campaignctl#$tmp/bin/campaignctl#g; s#/usr/local/bin/campaignd#$tmp/bin/campaignd#g" "$here/$u" > "$tmp/units/$u"
done
for path in "$here"/*.service "$here"/*.socket "$here"/*.timer; do
    [[ -e $path ]] || continue
    name=$(basename "$path")
    [[ " ${FILES[*]} " == *" $name "* ]] || { echo "verify.sh: $name is not in FILES: add it, so that it is verified" >&2; exit 1; }
done

status=0
# systemd-analyze does not load a timer's Unit= (nor check Also=): every unit of ours that one of ours
# names (Unit=, Service=, Sockets=, Requires=, Wants=, After=, Also=) must be one of FILES.
for u in "${FILES[@]}"; do
    for ref in $(sed -n -E 's/^(Unit|Service|Sockets|Requires|Wants|After|Before|Also)=//p' "$here/$u"); do
        [[ $ref == campaign* ]] || continue
        file=$(sed -E 's/@[^.]*\./@./' <<<"$ref")
        if [[ " ${FILES[*]} " != *" $file "* ]]; then
            echo "verify.sh: $u names $ref, which is not one of these units" >&2
            status=1
        fi
    done
done
for u in "${UNITS[@]}"; do
    printf 'checking %s ... ' "$u"
    rc=0
    out=$(cd "$tmp/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$tmp/units/$u" 2>&1) || rc=$?
    noise=$(grep -E -- "$IGNORE" <<<"$out" || true)
    out=$(grep -v -E -- "$IGNORE" <<<"$out" | sed '/^[[:space:]]*$/d' || true)
    if [[ $rc -ne 0 || -n $out ]]; then
        echo "FAILED (exit $rc)"
        [[ -n $out ]] && sed "s#$tmp/units/##g; s#$tmp/bin/#/usr/local/bin/#g; s/^/    /" <<<"$out"
        status=1
    else
        echo ok
    fi
    [[ -n $noise ]] && sed 's/^/    (ignored, host environment) /' <<<"$noise"
done

if [[ $status -eq 0 ]]; then echo "all ${#UNITS[@]} units verified"; else echo "verification FAILED" >&2; fi
exit $status
