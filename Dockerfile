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
# The code runner's jail: bubblewrap, with util-linux's prlimit, libseccomp and bash from the
# base image, and the interpreters it runs: Debian's /usr/bin/python3 (Python and SQL; the
# image's own Python is the bot's, with the bot's packages) and nodejs (JavaScript; leave it
# out and JavaScript is reported unavailable).
# Jails need user namespaces inside the container, which Docker's defaults refuse. Run with
#   --security-opt seccomp=unconfined    (the default profile blocks clone/unshare with
#                                         CLONE_NEWUSER; a profile that allows them works too)
#   --security-opt systempaths=unconfined (a masked /proc cannot be mounted again in the jail)
#   --security-opt apparmor=unconfined   (hosts that restrict unprivileged user namespaces, as
#                                         Ubuntu does from 23.10)
# and a host kernel with user.max_user_namespaces > 0. Without them the bot runs and says why
# code cannot run; or set runner.backend to piston or judge0.
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap python3 nodejs \
    && rm -rf /var/lib/apt/lists/*
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
