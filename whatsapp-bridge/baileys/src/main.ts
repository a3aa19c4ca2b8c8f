// Entry point: `npm start` (tsx src/main.ts). Configuration in src/config.ts.

import makeWASocket, { Browsers, makeCacheableSignalKeyStore } from 'baileys';
import pino from 'pino';
import { BridgeAuthStore, listPaired } from './auth-state';
import { loadConfig } from './config';
import { Forwarder } from './forwarder';
import { BridgeLease, newHolderId } from './lease';
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
  const lease = new BridgeLease(authUrl, config.secret, newHolderId(), config.advertiseUrl, config.leaseTtlMs);
  const sessions = new SessionManager({
    factory,
    storeFor: (businessId) => new BridgeAuthStore(authUrl, config.secret, businessId),
    forwarder,
    logger,
    lease,
    leaseTtlMs: config.leaseTtlMs,
  });
  const server = createApi(sessions, config.secret, logger);
  server.listen(config.port, config.host, () => {
    logger.info(
      { addr: `${config.host}:${config.port}`, bridge: config.bridgeUrl, holder: lease.holder, advertise: config.advertiseUrl },
      'whatsapp sidecar listening',
    );
  });
  // Resume every paired business once the bridge answers (it may start after us), then sweep
  // again every lease TTL: a business another replica held is taken over once that replica is
  // gone and its lease expired (or was released).
  let stopping = false;
  let sweep: NodeJS.Timeout | undefined;
  let sweeping = false;
  const resumePaired = async (): Promise<number> => {
    const ids = await listPaired(authUrl, config.secret);
    await sessions.resume(ids);
    return ids.length;
  };
  const resume = async (attempt = 0): Promise<void> => {
    if (stopping) return;
    try {
      logger.info({ businesses: await resumePaired() }, 'resumed paired WhatsApp sessions');
    } catch (err) {
      const delay = Math.min(30_000, 1_000 * 2 ** attempt);
      logger.warn({ err: String(err), retry_in_ms: delay }, 'cannot list paired businesses yet');
      setTimeout(() => void resume(attempt + 1), delay);
      return;
    }
    if (stopping) return;
    sweep = setInterval(() => {
      if (sweeping || stopping) return;
      sweeping = true;
      resumePaired()
        .catch((err) => logger.warn({ err: String(err) }, 'the resume sweep cannot list paired businesses'))
        .finally(() => {
          sweeping = false;
        });
    }, config.leaseTtlMs);
  };
  void resume();
  const shutdown = (signal: string) => {
    stopping = true;
    if (sweep) clearInterval(sweep);
    logger.info({ signal }, 'shutting down');
    server.close();
    const released = sessions.stopAll();
    const deadline = setTimeout(() => {
      forwarder.close();
      process.exit(0);
    }, 5_000);
    Promise.all([released, forwarder.drained()]).then(() => {
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
