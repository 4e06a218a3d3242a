import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';

// A page that uploads the files chosen in #files with Uppy's S3 plugin against frago's
// Companion-style endpoints on the page's own origin, and keeps what Uppy reported.

interface Outcome {
  readonly done: boolean;
  readonly successful: Array<{ readonly name: string; readonly uploadURL: string | undefined }>;
  readonly failed: Array<{ readonly name: string; readonly error: string }>;
}

declare global {
  interface Window {
    uppyOutcome: Outcome | null;
  }
}

const PART_SIZE = Number(new URLSearchParams(location.search).get('partSize'));

const uppy = new Uppy({ autoProceed: false }).use(AwsS3, {
  companionEndpoint: location.origin,
  shouldUseMultipart: true,
  getChunkSize: () => PART_SIZE,
});
// Uppy sends no size of its own: frago reads it from the file's meta.
uppy.on('file-added', (file) => uppy.setFileMeta(file.id, { size: file.size }));

window.uppyOutcome = null;
const input = document.querySelector<HTMLInputElement>('#files')!;
input.addEventListener('change', async () => {
  for (const file of Array.from(input.files ?? [])) uppy.addFile({ name: file.name, type: file.type || 'application/octet-stream', data: file });
  const result = await uppy.upload();
  window.uppyOutcome = {
    done: true,
    successful: (result?.successful ?? []).map((file) => ({ name: file.name ?? '', uploadURL: file.uploadURL })),
    failed: (result?.failed ?? []).map((file) => ({ name: file.name ?? '', error: String(file.error) })),
  };
});
