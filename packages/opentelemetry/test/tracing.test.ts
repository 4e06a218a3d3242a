import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage, type Storage } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { listen } from '@frago/conformance';
import { openTelemetryInstrumentation } from '@frago/opentelemetry';

/** A storage that refuses to assemble, as a bucket that went away would. */
function failingAssembly(storage: Storage): Storage {
  return Object.assign(Object.create(storage) as Storage, {
    assemble: () => Promise.reject(new Error('bucket gone')),
  });
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('OpenTelemetry spans of a frago server', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contexts = new AsyncLocalStorageContextManager();
  const frago = createFrago({
    repository: new MemoryRepository(),
    storage: failingAssembly(new MemoryStorage()),
    instrumentation: openTelemetryInstrumentation(),
  });
  const api = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
  let origin: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    context.setGlobalContextManager(contexts.enable());
    trace.setGlobalTracerProvider(provider);
    ({ origin, close } = await listen(createServer((req, res) => void api(req, res))));
  });
  afterAll(async () => {
    await close();
    trace.disable();
    context.disable();
  });

  it('records a chunk span with its storage and repository calls as children, and a failed finalize as an error', async () => {
    const started = await fetch(`${origin}/upload/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'a.bin', total_size: 4 }) });
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    exporter.reset();
    const chunk = await fetch(`${origin}/upload/${id}/`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-3/4' }, body: new Uint8Array([1, 2, 3, 4]) });
    expect(chunk.status).toBe(200);
    const finalize = await fetch(`${origin}/upload/${id}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(finalize.status).toBe(500);

    const spans = exporter.getFinishedSpans();
    const chunkSpan = spans.find((span) => span.name === 'frago chunk');
    expect(chunkSpan?.attributes).toMatchObject({ 'http.route': '/upload/:id/', 'http.response.status_code': 200, 'frago.upload_id': id, 'frago.bytes': 4 });
    const underChunk = spans.filter((span) => parentOf(span) === chunkSpan?.spanContext().spanId).map((span) => span.name);
    expect(underChunk).toEqual(expect.arrayContaining(['frago.repository get', 'frago.repository claimRange', 'frago.storage write', 'frago.repository storeClaim']));

    const finalizeSpan = spans.find((span) => span.name === 'frago finalize');
    expect(finalizeSpan?.status.code).toBe(2);
    expect(finalizeSpan?.attributes['http.response.status_code']).toBe(500);
    const assemble = spans.find((span) => span.name === 'frago.storage assemble');
    expect(parentOf(assemble!)).toBe(finalizeSpan?.spanContext().spanId);
    expect(assemble?.status.code).toBe(2);
    expect(assemble?.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('records nothing once no SDK is registered', async () => {
    trace.disable();
    exporter.reset();
    const started = await fetch(`${origin}/upload/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: 'b.bin', total_size: 1 }) });
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    expect((await fetch(`${origin}/upload/${id}/`, { method: 'PUT', headers: { 'content-range': 'bytes 0-0/1' }, body: new Uint8Array([1]) })).status).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
