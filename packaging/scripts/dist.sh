#!/bin/sh
# Makes the release tarball vxnet-VERSION.tar.gz: the source tree (the files
# git knows, as they are in the work tree, plus new files not ignored; every
# file but build directories outside git), with the RPM spec filled in at
# its top, so that `rpmbuild -ta vxnet-VERSION.tar.gz` builds it. The
# result depends only on the content: sorted, owned by root, dated by the
# last commit (or SOURCE_DATE_EPOCH).
# Usage: dist.sh SOURCE_DIR SPEC_FILE OUTPUT_TARBALL
set -eu
src=$1 spec=$2 out=$3
name=$(basename "$out" .tar.gz)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir "$stage/$name"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$src" ls-files --cached --others --exclude-standard >"$stage/list"
    epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}
else
    (cd "$src" && find . -path './build*' -prune -o -path ./.git -prune -o \( -type f -o -type l \) -print | sed 's|^\./||') >"$stage/list"
    epoch=${SOURCE_DATE_EPOCH:-$(date +%s)}
fi
# Files deleted in the work tree but not yet in git are left out.
while IFS= read -r f; do
    if [ -e "$src/$f" ] || [ -L "$src/$f" ]; then printf '%s\n' "$f"; fi
done <"$stage/list" | grep -v '\.spec$' >"$stage/files"
tar -C "$src" -cf - -T "$stage/files" | tar -C "$stage/$name" -xf -
cp "$spec" "$stage/$name/vxnet.spec"
mkdir -p "$(dirname "$out")"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    --format=gnu -cf - "$name" | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
echo "dist: $out"
