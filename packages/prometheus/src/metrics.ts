import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every metric frago reports, registered in one registry. */
export interface FragoMetrics {
  readonly started: Counter<'protocol'>;
  readonly completed: Counter<'protocol'>;
  readonly failed: Counter<'protocol'>;
  readonly aborted: Counter<'protocol'>;
  readonly expired: Counter<'protocol'>;
  readonly receivedBytes: Counter<'protocol'>;
  readonly chunkSeconds: Histogram<'protocol' | 'status'>;
  readonly finalizeSeconds: Histogram<'protocol' | 'status'>;
  readonly checksumLagBytes: Histogram<'protocol'>;
  readonly liveClaims: Gauge<'protocol'>;
  readonly repositoryErrors: Counter<'method'>;
  readonly storageErrors: Counter<'method'>;
}

/** Creates frago's metrics in `registry`, each name starting with `prefix`. */
export function createMetrics(registry: Registry, prefix: string): FragoMetrics {
  const registers = [registry];
  const uploads = (name: string, help: string) =>
    new Counter({ name: `${prefix}uploads_${name}_total`, help, labelNames: ['protocol'] as const, registers });
  const durations = (name: string, help: string) =>
    new Histogram({
      name: `${prefix}${name}_duration_seconds`,
      help,
      labelNames: ['protocol', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  const portErrors = (port: string) =>
    new Counter({ name: `${prefix}${port}_errors_total`, help: `${port[0]?.toUpperCase()}${port.slice(1)} calls that failed, by method.`, labelNames: ['method'] as const, registers });
  return {
    started: uploads('started', 'Uploads started.'),
    completed: uploads('completed', 'Uploads verified and assembled.'),
    failed: uploads('failed', 'Finalize calls that did not complete the upload: a checksum mismatch or a server failure.'),
    aborted: uploads('aborted', 'Uploads aborted by their owner.'),
    expired: uploads('expired', 'Uploads that passed their expiry.'),
    receivedBytes: new Counter({
      name: `${prefix}received_bytes_total`,
      help: 'Bytes of chunks stored (duplicates not counted).',
      labelNames: ['protocol'] as const,
      registers,
    }),
    chunkSeconds: durations('chunk', 'Time to answer a chunk request, by status.'),
    finalizeSeconds: durations('finalize', 'Time to answer a finalize request, by status.'),
    checksumLagBytes: new Histogram({
      name: `${prefix}checksum_lag_bytes`,
      help: 'How far the end of a stored chunk lay beyond the whole-file checksum when the chunk arrived.',
      labelNames: ['protocol'] as const,
      buckets: [0, 64 * KiB, MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB],
      registers,
    }),
    liveClaims: new Gauge({
      name: `${prefix}live_claims`,
      help: 'Chunk requests this process is receiving right now.',
      labelNames: ['protocol'] as const,
      registers,
    }),
    repositoryErrors: portErrors('repository'),
    storageErrors: portErrors('storage'),
  };
}
