# The WhatsApp sidecar (whatsapp-bridge/baileys): Node 20, the pinned npm `baileys`, run with tsx.
#   docker build -f deploy/whatsapp-sidecar.Dockerfile -t agentlocator-whatsapp-sidecar .
# It keeps no state on disk (the pairing lives in the database through the bridge), so the root
# filesystem can be read-only; it listens on WA_SIDECAR_ADDR and forwards to WA_BRIDGE_URL.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY whatsapp-bridge/baileys/package.json whatsapp-bridge/baileys/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    WA_SIDECAR_ADDR=0.0.0.0:3100
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY whatsapp-bridge/baileys/package.json whatsapp-bridge/baileys/tsconfig.json ./
COPY whatsapp-bridge/baileys/src ./src
USER node
EXPOSE 3100
# tsx compiles on start into the OS temp dir: mount a writable /tmp when the root is read-only.
CMD ["node", "--import", "tsx", "src/main.ts"]
