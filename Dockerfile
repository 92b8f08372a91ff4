# learnbot: build a wheel in one stage, run it slim and unprivileged in the next.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/learnbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY prompts ./prompts
COPY migrations ./migrations
RUN /opt/learnbot/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/learnbot/bin/pip install --no-cache-dir .

FROM python:3.11-slim
ENV PATH=/opt/learnbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/learnbot.db \
    HOST=0.0.0.0 \
    PORT=3000
RUN useradd --system --uid 10001 --home-dir /data --create-home learnbot
COPY --from=build /opt/learnbot /opt/learnbot
USER learnbot
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# Migrations first (PostgreSQL replicas serialise on an advisory lock), then the server.
CMD ["sh", "-c", "learnbot db upgrade && exec learnbot serve"]
