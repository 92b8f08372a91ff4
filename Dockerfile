# learnbot: install into a virtual environment in one stage, run it slim and unprivileged in the next.
#
#   docker build -t learnbot .                                   # online, from PyPI
#   pip wheel . -w wheels && pip download hatchling -d wheels    # offline: fill the wheelhouse on a connected host
#   docker build --network none -t learnbot .                    #          (same Python minor version as the base)
#   docker build --build-arg BASE_IMAGE=registry.example.org/python:3.11-slim -t learnbot .
#
# The base needs python3 with its venv module; the official slim image and Debian's python3 + python3-venv do.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /src
# One COPY of the sources (.dockerignore leaves out tests, CI and the rest) and one RUN: few layers build fast.
# wheels/ holds only a .gitignore unless filled: then pip installs from it alone, without an index.
COPY . .
RUN python3 -m venv /opt/learnbot \
 && if ls wheels/*.whl >/dev/null 2>&1; then \
      /opt/learnbot/bin/pip install --no-cache-dir --no-index --find-links wheels . ; \
    else \
      /opt/learnbot/bin/pip install --no-cache-dir . ; \
    fi \
 && /opt/learnbot/bin/learnbot --help >/dev/null

FROM ${BASE_IMAGE}
ENV PATH=/opt/learnbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/learnbot.db \
    HOST=0.0.0.0 \
    PORT=3000
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home learnbot
COPY --from=build /opt/learnbot /opt/learnbot
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python3 -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# Migrations first (PostgreSQL replicas serialise on an advisory lock), then the server. `exec` replaces the shell,
# so learnbot is PID 1 and gets `docker stop`'s SIGTERM: it finishes work in flight and exits 0.
CMD ["sh", "-c", "learnbot db upgrade && exec learnbot serve"]
