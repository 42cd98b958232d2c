# libvirt finds its hooks only when its daemons start or get SIGHUP (which
# is also what their systemd units' reload does): signal whichever runs,
# modular virtnetworkd/virtqemud or monolithic libvirtd, found by the pid
# file each writes and checked by its process name, so a stale pid file
# signals nothing else. No systemctl: it works with or without systemd,
# and never fails, also where none runs.
for daemon in virtnetworkd virtqemud libvirtd; do
    pid=$(cat "/run/$daemon.pid" 2>/dev/null) || continue
    case $pid in '' | *[!0-9]*) continue ;; esac
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$daemon" ]; then
        kill -HUP "$pid" 2>/dev/null || :
    fi
done
:
