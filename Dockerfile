# dragnet in a container: built in a Rust image, run from a slim image as a
# non-root user.
#   docker build -t dragnet .
#   docker run --rm -p 7474:7474 -v dragnet-data:/data dragnet \
#     serve --data /data --listen 0.0.0.0:7474 --tls-cert /tls/tls.crt \
#     --tls-key /tls/tls.key --token-file /tokens/tokens
# (any address but loopback needs TLS and a token file; see dragnet serve --help)

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p dragnet \
    && install -D -m 0755 target/release/dragnet /out/dragnet

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 dragnet \
    && useradd --system --uid 10001 --gid dragnet --home-dir /data --shell /usr/sbin/nologin dragnet \
    && install -d -o dragnet -g dragnet -m 0750 /data
COPY --from=build /out/dragnet /usr/local/bin/dragnet
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 7474
ENTRYPOINT ["/usr/local/bin/dragnet"]
CMD ["serve", "--data", "/data"]
