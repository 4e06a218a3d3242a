export { createHttpHandler } from './handler.js';
export { errorResponse } from './responses.js';
export { uploadStatusView, uploadSummary } from './views.js';
