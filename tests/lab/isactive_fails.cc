// Preloaded into vxnetctl by tests/lab/harm_test.sh: libvirt's
// virNetworkIsActive answers -1 ("could not say"), as it does when libvirtd
// dies mid-call. prune must take that for "leave it alone", never for
// "inactive".
extern "C" int virNetworkIsActive(void*) { return -1; }
