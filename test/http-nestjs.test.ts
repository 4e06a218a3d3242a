import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { testNodeIdentity } from '@frago/conformance';
import { FragoModule } from '@frago/nestjs';
import { describeAdapterMatrix } from './support/http-matrix.js';

// Without Nest's body parsers, as the module's docs ask for form starts: the suite sends
// urlencoded starts and malformed JSON, and expects frago's own answers to them.
describeAdapterMatrix('NestJS (Express platform)', async (frago) => {
  const module = FragoModule.forRoot({ frago, identify: testNodeIdentity });
  const app = await NestFactory.create(module, new ExpressAdapter(), { bodyParser: false, logger: false });
  await app.init();
  return createServer(app.getHttpAdapter().getInstance());
});
