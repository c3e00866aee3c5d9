# consumer-dashboard image. Build from the repository root (compose does):
#   docker build -f deploy/dashboard.Dockerfile -t consumer-dashboard .
# Configure it with the variables `consumer-dashboard --help` lists.

ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim

# --- build: the same Debian packages as the native build ---------------------
# (libjs-chart.js is compiled into the binary's assets here.)
FROM ${DEBIAN_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        gcc libc6-dev meson ninja-build pkg-config python3 \
        librdkafka-dev libuv1-dev libcsv-dev libcivetweb-dev libcjson-dev libxxhash-dev libgmp-dev \
        libmimalloc-dev libjemalloc-dev libjs-chart.js \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY meson.build meson.options meson_options.txt ./
COPY common/ common/
COPY producer/ producer/
COPY consumer-dashboard/ consumer-dashboard/
RUN meson setup /build --buildtype=release -Dwerror=false -Dtests=false \
    && ninja -C /build consumer-dashboard/consumer-dashboard \
    && /build/consumer-dashboard/consumer-dashboard --help >/dev/null

# --- runtime: only the shared libraries and the binary -----------------------
FROM ${DEBIAN_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        librdkafka1 libuv1 libcsv3 libcivetweb1 libcjson1 libgmp10 libjemalloc2 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 csv \
    && useradd --system --uid 10001 --gid csv --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin csv
COPY --from=build /build/consumer-dashboard/consumer-dashboard /usr/local/bin/consumer-dashboard
COPY deploy/http-health /usr/local/bin/http-health
# Inside a container the dashboard listens on all interfaces; compose
# publishes it on 127.0.0.1 only.
ENV KAFKA_BROKERS=kafka:19092 \
    KAFKA_TOPIC=csv-data \
    DASHBOARD_LISTEN=0.0.0.0:8080 \
    LOG_LEVEL=info
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/http-health", "--auth-env", "DASHBOARD_AUTH", "--env", "DASHBOARD_LISTEN", "/healthz"]
ENTRYPOINT ["/usr/local/bin/consumer-dashboard"]
