# pdqguard in a container: the CLI and the HTTP gateway, on Debian 12.
#
#   docker build -t pdqguard .
#   docker run --rm -v /mnt/dump:/data:ro pdqguard pdqguard scan --list /data/known.csv /data
#   docker run -d -p 8080:8080 -v /srv/lists:/lists:ro pdqguard        # the gateway (default)
#
# Two stages: `build` installs the build dependencies (scripts/install-deps.sh), builds
# in Release and makes the Debian packages (cpack); the runtime stage installs only
# the packages pdqguard and libpdqguard0, whose dependencies (the shared libraries
# dpkg-shlibdeps found) come from Debian's archive. It runs as an unprivileged user.
# Not built in this project's CI (no Docker there): tests/packaging/dockerfile_lint.py
# checks this file's rules instead.

# Both stages: a pinned Debian 12 point release (bump deliberately, both together).
FROM debian:12.8 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# /usr prefix: the packages install to /usr (multiarch library directory).
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
      -DPDQGUARD_BUILD_TESTS=OFF -DPDQGUARD_BUILD_BENCH=OFF -DPDQGUARD_BUILD_NODE=OFF \
 && cmake --build build -j"$(nproc)" \
 && cd build && cpack -G DEB -B /debs \
 && rm -rf /debs/_CPack_Packages

FROM debian:12.8-slim AS runtime
COPY --from=build /debs/pdqguard_*.deb /debs/libpdqguard0_*.deb /tmp/debs/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/debs/*.deb \
 && rm -rf /tmp/debs /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pdqguard \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin pdqguard \
 && pdqguard --version
USER 10001:10001
WORKDIR /data
EXPOSE 8080
# The gateway answers GET /healthz with 200 while it serves a list (bash's /dev/tcp:
# no HTTP client in the image). A container running the CLI instead has no use for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# The default: the gateway on all interfaces, with the lists mounted at /lists.
CMD ["pdqguard-gateway", "--host", "0.0.0.0", "--port", "8080", "--list", "/lists/blocklist.csv"]
