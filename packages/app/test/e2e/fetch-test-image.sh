#!/usr/bin/env bash
# Prepares the disk images for the end-to-end test: the GRUB rescue ISO shipped
# in Debian's grub-rescue-pc package, and a qcow2 converted from it.
#
# Usage: fetch-test-image.sh [CACHE_DIR]
# CACHE_DIR defaults to <repo>/.tmp/e2e-images. Files already there are reused.
# On success it prints two lines to stdout: "iso=PATH" and "qcow2=PATH".
# Needs apt-get, dpkg and qemu-img, and apt package lists (apt-get update).
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../../../.." && pwd)
cache_dir=${1:-"$repo_root/.tmp/e2e-images"}

iso_path="$cache_dir/grub-rescue-cdrom.iso"
qcow2_path="$cache_dir/grub-rescue-cdrom.qcow2"

fail() {
  echo "fetch-test-image.sh: $*" >&2
  exit 1
}

for tool in apt-get dpkg qemu-img; do
  command -v "$tool" >/dev/null || fail "$tool not found; install it (qemu-img comes with the Debian package qemu-utils)."
done

mkdir -p "$cache_dir"

if [[ ! -s "$iso_path" ]]; then
  download_dir=$(mktemp -d "$cache_dir/download.XXXXXX")
  trap 'rm -rf -- "$download_dir"' EXIT

  # apt-get download writes the .deb into the current directory.
  if ! (cd "$download_dir" && apt-get download grub-rescue-pc >&2); then
    fail "apt-get download grub-rescue-pc failed. If apt has no package lists, run 'apt-get update' as root and retry."
  fi

  deb_files=("$download_dir"/grub-rescue-pc_*.deb)
  [[ -f "${deb_files[0]}" ]] || fail "apt-get download succeeded but left no grub-rescue-pc_*.deb in $download_dir."
  dpkg -x "${deb_files[0]}" "$download_dir/extracted"

  # In Debian 12 the ISO is usr/lib/grub-rescue/grub-rescue-cdrom.iso. Search for
  # it so that a moved file still works. -type f skips grub-rescue-usb.img, which
  # is a symlink to the ISO.
  found_iso=$(find "$download_dir/extracted" -type f -name '*.iso' | sort | head -n 1)
  [[ -n "$found_iso" ]] || fail "no .iso file found inside ${deb_files[0]}."

  # Copy to a temporary name first so an interrupted run leaves no partial ISO.
  cp -- "$found_iso" "$iso_path.partial"
  mv -- "$iso_path.partial" "$iso_path"
  rm -f -- "$qcow2_path"
fi

if [[ ! -s "$qcow2_path" ]]; then
  qemu-img convert -f raw -O qcow2 "$iso_path" "$qcow2_path.partial"
  mv -- "$qcow2_path.partial" "$qcow2_path"
fi

echo "iso=$iso_path"
echo "qcow2=$qcow2_path"
