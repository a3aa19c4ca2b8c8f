// Entry point: `npm start` (tsx src/main.ts). Configuration in src/config.ts.

import makeWASocket, { Browsers, makeCacheableSignalKeyStore } from 'baileys';
import pino from 'pino';
import { BridgeAuthStore } from './auth-state';
import { loadConfig } from './config';
import { Forwarder } from './forwarder';
import type { Logger } from './logger';
import { createApi } from './server';
import { SessionManager, type SocketFactory } from './sessions';

function main(): void {
  const config = loadConfig();
  const pinoLogger = pino({ level: config.logLevel, base: { service: 'whatsapp-sidecar' } }, pino.destination(2));
  const logger = pinoLogger as unknown as Logger;
  const forwarder = new Forwarder({
    url: `${config.bridgeUrl}/webhook/whatsapp_incoming`,
    secret: config.secret,
    logger,
  });
  const authUrl = `${config.bridgeUrl}/webhook/whatsapp_auth`;
  const factory: SocketFactory = (businessId, auth) => {
    const socketLogger = pinoLogger.child({ business_id: businessId }, { level: 'warn' });
    return makeWASocket({
      auth: { creds: auth.state.creds, keys: makeCacheableSignalKeyStore(auth.state.keys, socketLogger) },
      logger: socketLogger,
      browser: Browsers.ubuntu('AgentLocator'),
      markOnlineOnConnect: false,
      syncFullHistory: false,
    });
  };
  const sessions = new SessionManager({
    factory,
    storeFor: (businessId) => new BridgeAuthStore(authUrl, config.secret, businessId),
    forwarder,
    logger,
  });
  const server = createApi(sessions, config.secret, logger);
  server.listen(config.port, config.host, () => {
    logger.info({ addr: `${config.host}:${config.port}`, bridge: config.bridgeUrl }, 'whatsapp sidecar listening');
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    sessions.stopAll();
    const deadline = setTimeout(() => {
      forwarder.close();
      process.exit(0);
    }, 5_000);
    forwarder.drained().then(() => {
      clearTimeout(deadline);
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

try {
  main();
} catch (err) {
  process.stderr.write(`whatsapp sidecar: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
