import AwsS3 from '@uppy/aws-s3';
import Uppy, { type UploadResult } from '@uppy/core';

// A page that uploads the files chosen in #files with Uppy's S3 plugin against frago's
// Companion-style endpoints on the page's own origin, and keeps what Uppy reported.
// Files over one part go as multipart uploads, smaller ones as forms (`/s3/params`).
// With `pauseAt` (bytes), it pauses the first file to get that far, as a person would
// with the Dashboard's pause button; `uppyResume()` resumes it, `uppyRetry()` retries
// what failed.

interface Outcome {
  readonly done: boolean;
  readonly successful: Array<{ readonly name: string; readonly uploadURL: string | undefined }>;
  readonly failed: Array<{ readonly name: string; readonly error: string }>;
}

/** Where the page paused a file: the bytes Uppy had reported sent. */
interface Paused {
  readonly name: string;
  readonly bytesUploaded: number;
}

declare global {
  interface Window {
    uppyOutcome: Outcome | null;
    uppyPaused: Paused | null;
    uppyResume(): void;
    uppyRetry(): Promise<void>;
  }
}

const search = new URLSearchParams(location.search);
const PART_SIZE = Number(search.get('partSize'));
const PAUSE_AT = Number(search.get('pauseAt') ?? Number.POSITIVE_INFINITY);
const state = document.querySelector<HTMLElement>('#state')!;

// With `plain`, the plugin as Uppy's documentation sets it up, nothing more: every file
// up to 100 MB goes as a form, and nothing tells frago the size.
const PLAIN = search.has('plain');

const uppy = new Uppy({ autoProceed: false }).use(
  AwsS3,
  PLAIN
    ? { companionEndpoint: location.origin }
    : { companionEndpoint: location.origin, shouldUseMultipart: (file) => (file.size ?? 0) > PART_SIZE, getChunkSize: () => PART_SIZE },
);
// Uppy sends no size of its own: frago reads a multipart upload's from the file's meta.
if (!PLAIN) uppy.on('file-added', (file) => uppy.setFileMeta(file.id, { size: file.size }));

let pausedId: string | null = null;
window.uppyPaused = null;
uppy.on('upload-progress', (file, progress) => {
  if (file === undefined || pausedId !== null || (progress.bytesUploaded ?? 0) < PAUSE_AT) return;
  pausedId = file.id;
  uppy.pauseResume(file.id);
  window.uppyPaused = { name: file.name ?? '', bytesUploaded: progress.bytesUploaded ?? 0 };
  state.textContent = `${file.name} paused at ${progress.bytesUploaded} of ${progress.bytesTotal} bytes`;
});
window.uppyResume = () => {
  if (pausedId !== null) uppy.pauseResume(pausedId);
  state.textContent = 'resumed';
};

window.uppyOutcome = null;
function keep(result: UploadResult<Record<string, unknown>, Record<string, never>> | undefined): void {
  window.uppyOutcome = {
    done: true,
    successful: (result?.successful ?? []).map((file) => ({ name: file.name ?? '', uploadURL: file.uploadURL })),
    failed: (result?.failed ?? []).map((file) => ({ name: file.name ?? '', error: String(file.error) })),
  };
  state.textContent = `${window.uppyOutcome.successful.length} uploaded, ${window.uppyOutcome.failed.length} failed`;
}
window.uppyRetry = async () => {
  window.uppyOutcome = null;
  keep(await uppy.retryAll());
};

const input = document.querySelector<HTMLInputElement>('#files')!;
input.addEventListener('change', async () => {
  for (const file of Array.from(input.files ?? [])) uppy.addFile({ name: file.name, type: file.type || 'application/octet-stream', data: file });
  keep(await uppy.upload());
});
