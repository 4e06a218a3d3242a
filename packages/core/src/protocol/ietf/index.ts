export { appendDraft } from './append.js';
export { createDraftUpload } from './create.js';
export { speaksDraft } from './fields.js';
export { draftOffset } from './head.js';
export { describeDraft } from './options.js';
export { draftRoute } from './responses.js';
