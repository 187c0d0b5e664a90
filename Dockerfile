# One image for every Elava service; docker-compose.yml picks the entry point per service.
# Stage 1: the official OPA image compiles the Rego policies to WebAssembly.
FROM openpolicyagent/opa:1.22.2-static AS opa

# Stage 2: install, build TypeScript and policies, then drop dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY --from=opa /opa /usr/local/bin/opa
COPY . .
RUN npm install --no-audit --no-fund \
 && ELAVA_OPA=/usr/local/bin/opa npx turbo run build \
 && npm prune --omit=dev --no-audit --no-fund

# Stage 3: the runtime, without compilers or the OPA binary.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
ENTRYPOINT ["node"]
