# The kgmem service image: API server and CLI (migrations, keys).

# The graph explorer served at /ui, built from the pinned npm packages in ui/.
FROM node:20-slim AS explorer
WORKDIR /src
COPY ui ./ui
RUN mkdir -p kgmem/server && cd ui && npm ci --no-audit --no-fund && node build.mjs

FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    KGMEM_HOME=/var/lib/kgmem

WORKDIR /opt/kgmem
COPY pyproject.toml README.md ./
COPY kgmem ./kgmem
COPY graph_schema ./graph_schema
COPY migrations ./migrations
COPY cypher ./cypher
COPY --from=explorer /src/kgmem/server/explorer_assets ./kgmem/server/explorer_assets

# The CPU build of torch, pinned; then kgmem with the default local embedding model.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0" \
 && pip install ".[embeddings]"

RUN useradd --system --create-home --home-dir /var/lib/kgmem kgmem \
 && mkdir -p /backups && chown kgmem /backups
USER kgmem
EXPOSE 7420
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:7420/health', timeout=2)"
CMD ["kgmem", "serve", "--host", "0.0.0.0"]
