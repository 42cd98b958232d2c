# libvirt finds its hooks only when its daemons start or get SIGHUP: make
# whichever runs (modular virtnetworkd/virtqemud or monolithic libvirtd)
# re-read them. Never fails, also where none runs or there is no systemd.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    for unit in virtnetworkd.service virtqemud.service libvirtd.service; do
        if systemctl is-active --quiet "$unit" 2>/dev/null; then
            systemctl reload "$unit" >/dev/null 2>&1 || systemctl try-restart "$unit" >/dev/null 2>&1 || :
        fi
    done
else
    for daemon in virtnetworkd virtqemud libvirtd; do
        pkill -HUP -x "$daemon" >/dev/null 2>&1 || :
    done
fi
:
