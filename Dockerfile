# dragnet in a container: one statically linked binary, built in a Rust image
# by scripts/build-static.sh, in an otherwise empty image run as a non-root
# user.
#   docker build -t dragnet .
#   docker run --rm -p 7474:7474 -v dragnet-data:/data dragnet \
#     serve --data /data --listen 0.0.0.0:7474 --tls-cert /tls/tls.crt \
#     --tls-key /tls/tls.key --token-file /tokens/tokens
# (any address but loopback needs TLS and a token file; see dragnet serve --help)

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
# The same as the script runs: RUSTFLAGS="-C target-feature=+crt-static"
# cargo build --release --locked --target x86_64-unknown-linux-gnu -p dragnet,
# then checks the binary is static and runs.
RUN scripts/build-static.sh /out/dragnet
# All the binary needs beside itself: a passwd entry for its user, the CA
# certificates https:// webhook sinks trust, host names looked up in
# /etc/hosts and then DNS, a /tmp for queries that spill, and its data folder.
RUN mkdir -p /out/root/etc/ssl/certs /out/root/tmp /out/data \
    && cp /etc/ssl/certs/ca-certificates.crt /out/root/etc/ssl/certs/ \
    && echo 'dragnet:x:10001:10001:dragnet:/data:/nonexistent' > /out/root/etc/passwd \
    && echo 'dragnet:x:10001:' > /out/root/etc/group \
    && printf 'passwd: files\ngroup: files\nhosts: files dns\n' > /out/root/etc/nsswitch.conf \
    && chmod 1777 /out/root/tmp

FROM scratch
COPY --from=build /out/root/ /
COPY --from=build --chown=10001:10001 /out/data /data
COPY --from=build /out/dragnet /usr/local/bin/dragnet
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 7474
ENTRYPOINT ["/usr/local/bin/dragnet"]
CMD ["serve", "--data", "/data"]
