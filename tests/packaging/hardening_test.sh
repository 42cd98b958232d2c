#!/bin/bash
# The programs are hardened as a distribution would build them: PIE, stack
# protector, fortified libc calls, full RELRO (read-only relocations and
# immediate binding), stack clash protection where the compiler emits it.
# Checked with Debian's hardening-check and, independently, with readelf.
# Control flow integrity (IBT/SHSTK notes) is not required: Debian 12's own
# libc start files carry no such notes, so no program linked here gets them.
# Args: PROGRAM...
. "$(dirname "$0")/../cli/lib.sh"
command -v hardening-check >/dev/null || skip "hardening-check is not installed (scripts/install-deps.sh installs devscripts)"
command -v readelf >/dev/null || skip "readelf is not installed (binutils)"
for prog in "$@"; do
    name=$(basename "$prog")
    hardening-check --nocfprotection "$prog" >"$WORK/hc" 2>&1 && pass || fail "hardening-check $name: $(grep -v ': yes' "$WORK/hc" | tr '\n' ' ')"
    readelf -h "$prog" | grep -q "Type: *DYN" && pass || fail "$name is not PIE"
    readelf -lW "$prog" | grep -q GNU_RELRO && pass || fail "$name has no RELRO segment"
    readelf -dW "$prog" | grep -qE "\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW" && pass || fail "$name is not bound immediately (no -z now)"
    readelf -sW --dyn-syms "$prog" >"$WORK/syms"
    grep -q "__stack_chk_fail" "$WORK/syms" && pass || fail "$name has no stack protector"
    grep -qE "__[a-z]+_chk@" "$WORK/syms" && pass || fail "$name calls no fortified libc function"
done
finish
