# The newsletter image: the wheel built from this checkout, on a slim Python, run as a
# non-root user. `docker compose up` (compose.yaml) runs the web app and the scheduler.
# Build: docker build -t newsletter:local .
FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN pip install --no-cache-dir build==1.2.2.post1 \
    && python -m build --wheel --outdir /wheels .

FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSLETTER_CONFIG=/config/newsletter.yaml
COPY --from=build /wheels /wheels
SHELL ["/bin/sh", "-eu", "-c"]
# DL3013 asks to pin: this installs the wheel just built; its dependencies are bounded in
# pyproject.toml like any pip install of the package.
# hadolint ignore=DL3013
RUN wheel=$(ls /wheels/newsletter-*.whl) \
    && pip install --no-cache-dir "${wheel}[postgres]" \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 newsletter \
    && mkdir -p /data /config \
    && chown newsletter /data
USER 10001
# Files a run writes (outbox, cache, a SQLite database) land in the working folder: a volume.
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["newsletter"]
CMD ["web", "--host", "0.0.0.0", "--port", "8000"]
