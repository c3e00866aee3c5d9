# csv-producer image. Build from the repository root (compose does):
#   docker build -f deploy/producer.Dockerfile -t csv-producer .
# Configure it with the variables `csv-producer --help` lists.

ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim

# --- build: the same Debian packages as the native build ---------------------
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
    && ninja -C /build producer/csv-producer \
    && /build/producer/csv-producer --help >/dev/null

# --- runtime: only the shared libraries and the binary -----------------------
FROM ${DEBIAN_IMAGE} AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        librdkafka1 libuv1 libcsv3 libcivetweb1 libcjson1 libmimalloc2.0 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 csv \
    && useradd --system --uid 10001 --gid csv --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin csv \
    && install -d -o csv -g csv -m 0750 /var/lib/csv-producer
COPY --from=build /build/producer/csv-producer /usr/local/bin/csv-producer
COPY deploy/http-health /usr/local/bin/http-health
ENV KAFKA_BROKERS=kafka:19092 \
    KAFKA_TOPIC=csv-data \
    PRODUCER_CSV_PATH=/data/input.csv \
    PRODUCER_STATE_DIR=/var/lib/csv-producer \
    PRODUCER_METRICS_LISTEN=0.0.0.0:9100 \
    LOG_LEVEL=info
VOLUME ["/var/lib/csv-producer"]
EXPOSE 9100
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/http-health", "--env", "PRODUCER_METRICS_LISTEN", "/healthz"]
ENTRYPOINT ["/usr/local/bin/csv-producer"]
