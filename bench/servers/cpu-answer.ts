// Every server under test answers the benchmark's `cpu?` over the IPC channel it was
// started with: `process.cpuUsage()` counts microseconds, where /proc/<pid>/stat counts
// hundredths of a second, too coarse for the few milliseconds a direct upload costs.

/** Answers `cpu?` with `{cpuSeconds}`, user and system CPU of every thread so far; the channel keeps nothing alive. */
export function answerCpuQuestions(): void {
  if (process.send === undefined) return;
  process.on('message', (message) => {
    if (message !== 'cpu?') return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuSeconds: (user + system) / 1e6 });
  });
  process.channel?.unref();
}
