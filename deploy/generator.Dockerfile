# Data generator image (compose profile "generator"): standard-library
# Python appending synthetic rows to a CSV file.
#   docker build -f deploy/generator.Dockerfile -t csv-generator .
#   docker run --rm -v "$PWD/data:/data" -u "$(id -u):$(id -g)" csv-generator \
#       --shape person --count 0 --rate 10 --output /data/input.csv --append

ARG DEBIAN_IMAGE=debian:bookworm-20251229-slim

FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 csv \
    && useradd --system --uid 10001 --gid csv --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin csv
COPY data/generate.py /opt/generator/generate.py
COPY deploy/generator-entrypoint /usr/local/bin/generator-entrypoint
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
# A batch job that appends and exits: nothing to probe.
HEALTHCHECK NONE
# Started as root (compose does), the entrypoint runs the generator as the
# owner of /data; started as another user, as that user.
ENTRYPOINT ["/usr/local/bin/generator-entrypoint"]
CMD ["--shape", "person", "--count", "0", "--rate", "5", "--output", "/data/input.csv", "--append"]
