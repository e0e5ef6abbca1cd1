# syntax=docker/dockerfile:1
# Nexus: build the wheel-installed virtualenv in one stage, run it slim and unprivileged.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/nexus
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
RUN /opt/nexus/bin/pip install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/nexus/bin:$PATH \
    NEXUS_WEB__HOST=0.0.0.0 \
    NEXUS_WEB__PORT=8080
RUN useradd --system --create-home --uid 10001 nexus
COPY --from=build /opt/nexus /opt/nexus
WORKDIR /app
COPY data/*.example.yaml ./data/
RUN chown -R nexus:nexus /app
USER nexus
VOLUME ["/app/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
