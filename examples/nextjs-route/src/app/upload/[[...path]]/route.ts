// No `.js` in these paths, unlike the rest of the repository: Next.js's bundler does not map it to `.ts`.
import { ANONYMOUS } from '@frago/core';
import { frago } from '../../../frago';
import { fragoRouteHandlers } from '../../../route-handlers';

// The disk storage needs Node.js; the core itself runs on the edge runtime too.
export const runtime = 'nodejs';
// Every request is an upload call: never cached or prerendered.
export const dynamic = 'force-dynamic';

// `[[...path]]` catches `/upload/` and everything below it.
// A demo without sign-in: it accepts uploads from anyone, explicitly (see examples/custom-auth).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = fragoRouteHandlers(frago, { identify: () => ANONYMOUS });
