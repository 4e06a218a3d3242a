import { createWriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import Fastify from 'fastify';
import { H3 } from 'h3';
import { toNodeHandler } from 'h3/node';
import { ANONYMOUS, type Frago } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { fragoExpress } from '@frago/express';
import { fragoFastify } from '@frago/fastify';
import { fragoH3 } from '@frago/h3';

/** A server (not yet listening) for one row of the memory benchmark. */
export type BenchServer = (frago: Frago, dataDir: string) => Server | Promise<Server>;

/** The rows of the memory benchmark: a bare streaming server, then frago under each adapter. */
export const BENCH_SERVERS = {
  /** No frago: the request piped straight into a file, the floor every adapter is measured against. */
  'bare node:http pipe': (_frago, dataDir) =>
    createServer((req, res) => {
      pipeline(req, createWriteStream(join(dataDir, 'bare.bin'))).then(
        () => res.end('{}'),
        () => res.destroy(),
      );
    }),
  'node:http + core': (frago) => {
    const listener = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
    return createServer((req, res) => void listener(req, res));
  },
  Express: (frago) => createServer(express().use(fragoExpress(frago, { identify: () => ANONYMOUS }))),
  Fastify: async (frago) => {
    const app = Fastify({ serverFactory: (handler) => createServer(handler) });
    await app.register(fragoFastify, { frago, identify: () => ANONYMOUS });
    await app.ready();
    return app.server;
  },
  h3: (frago) => createServer(toNodeHandler(new H3().use(fragoH3(frago, { identify: () => ANONYMOUS })))),
} satisfies Record<string, BenchServer>;

/** The name of a benchmark row. */
export type BenchServerName = keyof typeof BENCH_SERVERS;
