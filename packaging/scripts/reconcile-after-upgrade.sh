# After an upgrade, with the new programs in place and libvirt told of the
# hooks: networks the previous release started are brought to what this
# one makes of them now, not at their next restart, as the boot unit does
# (`vxnetctl reconcile --all`; like the unit, it also starts a vxnet network
# marked autostart that is not active). Guests keep running. Never fails the
# package operation: where libvirtd or Open vSwitch is not running (a
# chroot, an image build) it says what to run later, in one line.
if [ -x /usr/bin/vxnetctl ]; then
    if ! vxnet_out=$(/usr/bin/vxnetctl reconcile --all 2>&1); then
        echo "vxnet: 'vxnetctl reconcile --all' after the upgrade did not complete ($(echo "$vxnet_out" | tail -n 1)); run it once libvirtd and Open vSwitch are up" >&2
    elif [ -n "$vxnet_out" ]; then
        echo "$vxnet_out"
    fi
fi
