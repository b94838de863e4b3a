#!/usr/bin/env bash
# Installs the Debian 12 packages pdqguard builds and tests with. Run as root.
set -euo pipefail
packages=(
  cmake make g++ pkg-config git ccache
  libjpeg62-turbo-dev libpng-dev zlib1g-dev
  libxxhash-dev libcli11-dev nlohmann-json3-dev
  doctest-dev libbenchmark-dev libcpp-httplib-dev
  clang libclang-rt-14-dev libfuzzer-14-dev
  python3 python3-pytest python3-numpy python3-pil
  # regenerating tests/data/formats/archives (7z, tar.zst) only: libarchive's writer
  python3-libarchive-c
  python3-dask python3-distributed python3-pandas  # pdqguard.dask (tests/dask)
  python3-pip
  libfaiss-dev
  golang-go
  cargo rustc rust-clippy
  nodejs
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  ffmpeg  # the program: tests generate small benign videos with it (testsrc)
  libwebp-dev libgif-dev libheif-dev libtiff-dev libarchive-dev libdeflate-dev
  # link-time -l names that `pkg-config --static` lists for libheif (x265) and libarchive
  libnuma-dev libacl1-dev liblz4-dev
  # packaging: .deb packages (cpack: dpkg-shlibdeps, file), the man page test (groff, man)
  dpkg-dev file groff-base man-db
)
# The Node.js addon needs node_api.h: Debian's nodejs ships it in libnode-dev (a
# nodejs from elsewhere may carry it itself).
[[ -f /usr/include/node/node_api.h ]] || packages+=(libnode-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
