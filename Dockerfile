# Pakit Mesh headless relay: the node and its console in plain Node, no Electron.
#   docker build -t pakit-mesh-relay .      (or: docker compose up -d, see compose.yaml)
# The console is built in a first stage; the relay image keeps production packages only.
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.renderer.json ./
COPY shared ./shared
COPY renderer ./renderer
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
# serialport loads its N-API prebuild from node_modules: nothing to compile.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY shared ./shared
COPY electron/node ./electron/node
COPY electron/headless ./electron/headless
COPY electron/sim ./electron/sim
COPY --from=console /app/dist/console ./dist/console
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    PAKIT_DATA_DIR=/data \
    PAKIT_API=0.0.0.0:8080 \
    MESH_LISTEN=0.0.0.0:7777
VOLUME ["/data"]
EXPOSE 7777 8080
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "electron/headless/main.ts"]
